import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from app.clock import utcnow
from app.oversight import exports
from tests import builders as b
from tests.oversight.conftest import act, file


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("正常文字", "正常文字"),
        ("a=b", "a=b"),
        (-5, -5),
        (None, None),
    ],
)
def test_formula_cells_are_neutralised(value, shown) -> None:
    assert exports.neutralise(value) == shown


def test_xlsx_cells_stay_text_not_formulas() -> None:
    with exports.xlsx_file([("t", ["a"], [["=1+1"], ["@x"], [3]])]) as book:
        sheet = load_workbook(book).active
    assert [c.value for c in sheet["A"]] == ["a", "'=1+1", "'@x", 3]


def _rows(resp) -> list[list[str]]:
    return list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))


def test_complaint_exports_are_scoped_neutralised_and_without_contact_data(
    client, cast
) -> None:
    file(client, cast, facts='=HYPERLINK("http://evil")收到的是假货，商家拒绝退款。')
    csv_resp = client.get("/api/v1/exports/complaints.csv", headers=cast.regional)
    assert csv_resp.status_code == 200
    assert csv_resp.content_type == "text/csv; charset=utf-8"  # one charset
    header, row = _rows(csv_resp)
    assert row[header.index("事实 facts")].startswith("'=HYPERLINK")
    text = csv_resp.get_data(as_text=True)
    assert "13812341234" not in text and "张小明" not in text and "花园路" not in text
    far = client.get("/api/v1/exports/complaints.csv", headers=cast.far_regional)
    assert len(_rows(far)) == 1  # the header only
    assert (
        client.get("/api/v1/exports/complaints.csv", headers=cast.assoc).status_code
        == 403
    )

    url = "/api/v1/exports/complaints.xlsx?category=counterfeit"
    with client.get(url, headers=cast.national) as xlsx:
        assert xlsx.status_code == 200
        sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert any(isinstance(v, str) and v.startswith("'=HYPERLINK") for v in values)


@pytest.mark.parametrize(
    "query",
    [
        "date_from=2021-05-02&date_to=2021-05-01",
        "date_from=2018-01-01&date_to=2021-05-01",
        "shoe=1",
    ],
)
def test_exports_refuse_absurd_ranges_and_unknown_filters(client, cast, query) -> None:
    resp = client.get(f"/api/v1/exports/complaints.csv?{query}", headers=cast.national)
    assert resp.status_code == 422


def test_open_data_has_no_personal_data_and_only_published_cases(client, cast) -> None:
    secret_order = "SECRET-ORDER-77"
    c = file(
        client,
        cast,
        order_no=secret_order,
        facts="我叫张小明，电话13812341234，收到的耳机是假货。",
        complainant_id_number="410105199001011234",
    )
    unpublished = file(client, cast, order_no="NOT-YET")
    for action in ("accept", "forward"):
        act(client, cast.regional, c["id"], action)
    act(client, cast.enterprise, c["id"], "respond", note="已退款")

    resp = client.get("/api/v1/exports/open-data.csv", headers=cast.other_enterprise)

    assert resp.status_code == 200
    header, *rows = _rows(resp)
    assert header == list(exports.OPEN_DATA_HEADER)
    assert [r[0] for r in rows] == [c["number"]]
    text = resp.get_data(as_text=True)
    for private in (
        "张小明",
        "13812341234",
        "花园路",
        "410105199001011234",
        secret_order,
        "某某旗舰店",
        "耳机",
        "299",
    ):
        assert private not in text
    record = dict(zip(header, rows[0], strict=True))
    assert (
        record["enterprise_replied"] == "是" and record["categories"] == "counterfeit"
    )
    assert record["province_code"] == "410000" and record["city_code"] == "410100"
    assert unpublished["number"] not in text


def test_open_data_publishes_unanswered_cases_after_fifteen_days(app) -> None:
    from tests.oversight.builders import association, complaint, steps

    b.jd()
    c = steps(complaint(association()), "accept", "forward")
    assert list(exports.open_data_rows(utcnow())) == []
    (row,) = exports.open_data_rows(utcnow() + timedelta(days=16))
    assert row[0] == c.number and row[11] == "否"


def test_aggregates_workbook_has_a_sheet_per_view(client, cast) -> None:
    file(client, cast)
    with client.get("/api/v1/exports/aggregates.xlsx", headers=cast.national) as resp:
        assert resp.status_code == 200
        book = load_workbook(io.BytesIO(resp.data))
    assert book.sheetnames[:3] == ["概要 Summary", "类别 Categories", "活动 Campaigns"]
    assert "风险标记 Flags" in book.sheetnames
