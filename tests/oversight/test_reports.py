import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.oversight import reports
from app.pledges.models import Enterprise
from tests import builders as b
from tests.oversight.builders import NATIONAL, association, complaint, festival

MILESTONES = [
    {"code": "first_day", "name": "首日", "due_date": date(2021, 4, 29)},
    {"code": "holiday_end", "name": "五一假期", "due_date": date(2021, 5, 4)},
    {"code": "final", "name": "全面总结", "due_date": date(2021, 5, 11)},
]
SHEETS = [
    "概要 Summary",
    "类别 Categories",
    "活动 Campaigns",
    "地区 Regions",
    "每日 Daily",
    "企业 Top enterprises",
    "时限 SLA",
    "违法认定 Violations",
    "风险标记 Flags",
]


@pytest.fixture
def festival_2021(app):
    jd = (
        db.session.scalar(
            select(Enterprise).where(
                Enterprise.legal_name == "北京京东世纪贸易有限公司"
            )
        )
        or b.jd()
    )
    camp, _ = festival(jd, milestones=MILESTONES)
    filer = association()
    for n, (month, day) in enumerate([(4, 28), (4, 28), (5, 2), (5, 8)]):
        complaint(
            filer,
            now=b.local(2021, month, day, 10),
            purchase_date=f"2021-{month:02d}-{day:02d}",
            order_no=f"F{n}",
        )
    return camp


@pytest.mark.parametrize(
    ("code", "last_day", "received"),
    [
        ("first_day", date(2021, 4, 28), 2),
        ("holiday_end", date(2021, 5, 3), 3),
        ("final", date(2021, 5, 10), 4),
    ],
)
def test_each_report_covers_the_days_before_it_is_due(
    festival_2021, code, last_day, received
) -> None:
    report = reports.campaign_report(NATIONAL, festival_2021.id, code)
    assert report["report"]["date_from"] == date(2021, 4, 28)
    assert report["report"]["date_to"] == last_day
    assert report["totals"]["received"] == received
    assert report["top_enterprises"][0]["received"] == received
    assert report["by_category"][0]["category"] == "counterfeit"
    assert report["as_of"] is not None


def test_a_campaign_without_milestones_falls_back_to_its_own_dates(app) -> None:
    camp = b.campaign()
    spans = {code: reports.window(camp, code) for code in reports.CODES}
    assert spans["first_day"]["date_to"] == date(2021, 4, 28)
    assert spans["final"]["date_to"] == spans["holiday_end"]["date_to"]
    assert spans["final"]["due_date"] == date(2021, 5, 11)
    assert not spans["final"]["milestone_defined"]


def test_report_endpoints_serve_json_and_a_workbook(
    client, cast, festival_2021
) -> None:
    base = f"/api/v1/campaigns/{festival_2021.id}/reports"
    data = client.get(f"{base}/holiday_end", headers=cast.national)
    assert data.status_code == 200
    body = data.get_json()
    assert (
        body["report"]["due_date"] == "2021-05-04" and body["totals"]["received"] == 3
    )
    assert client.get(f"{base}/holiday_end", headers=cast.assoc).status_code == 403
    assert client.get(f"{base}/mid_term", headers=cast.national).status_code == 404

    with client.get(f"{base}/final.xlsx", headers=cast.national) as resp:
        assert resp.status_code == 200
        book = load_workbook(io.BytesIO(resp.data))
    assert book.sheetnames == SHEETS
    summary = {
        row[0]: row[1] for row in book["概要 Summary"].iter_rows(values_only=True)
    }
    assert summary["received"] == 4 and summary["date_to"] is not None
