"""Browser scenarios against a real server: the pages as people use them.

One complaint goes the whole way: an association files it through the form
(autocomplete, classification preview, evidence), a regulator accepts and
forwards it, the enterprise finds it in its inbox with the countdown the SLA
service computes and answers, the association confirms with ratings, and the
regulator substantiates it, follows it from the dashboard chart to the list and
the complaint, and confirms the repeat-offender flag once enough violations
stand. Then the language switch, and a user of another organisation trying a
complaint's URL. Every page is checked for console errors (CSP refusals).
"""

import re
from datetime import timedelta
from typing import Any

import pytest

from app.accounts import auth
from app.accounts import service as accounts
from app.accounts.access import SYSTEM
from app.accounts.models import User
from app.clock import utcnow
from app.complaints import service as complaints
from app.complaints import workflow
from app.complaints.enums import Channel
from app.complaints.models import Complaint
from app.extensions import db
from app.fields import SHANGHAI
from app.oversight import service as oversight
from app.sla import queries as sla
from app.sla.timeline import ENTERPRISE_TARGETS
from app.web import urgency

pytestmark = pytest.mark.slow

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
FACTS = (
    "在活动期间购买的蓝牙耳机收到后发现是假货，做工粗糙，与正品差别很大，商家拒绝退款。"
)
ENTERPRISE = "北京三快在线科技有限公司"


def _user(live: Any, email: str) -> User:
    with live.app.app_context():
        return db.session.query(User).filter_by(email=email).one()


def _complaint(live: Any, number: str) -> Complaint:
    with live.app.app_context():
        found = db.session.query(Complaint).filter_by(number=number).one()
        db.session.expunge(found)
        return found


def _expected_countdown(live: Any, complaint_id: int) -> str:
    """What the inbox must say: the SLA service's own words for the clock."""
    with live.app.app_context():
        deadlines = sla.complaint_deadlines(SYSTEM, complaint_id)
        shown = urgency.current(deadlines, {str(t) for t in ENTERPRISE_TARGETS})
        assert shown is not None
        return str(shown["remaining_text"]["zh"])


def _more_violations(live: Any, count: int) -> None:
    """File and substantiate `count` more counterfeit complaints against Meituan."""
    with live.app.app_context():
        filer = auth.actor_for(
            db.session.query(User).filter_by(email="association@demo.local").one()
        )
        regulator = auth.actor_for(
            db.session.query(User).filter_by(email="regional@demo.local").one()
        )
        today = utcnow().astimezone(SHANGHAI).date()
        for n in range(count):
            c, _ = complaints.file_complaint(
                filer,
                channel=Channel.API,
                data={
                    "complainant_name": "李华",
                    "complainant_phone": f"1390000{n:04d}",
                    "complainant_address": "河南省郑州市二七区大学路8号",
                    "enterprise_name": "美团",
                    "request_type": "refund",
                    "facts": f"第{n}次：买到的充电宝是假货，假冒品牌，商家拒绝退款。",
                    "purchase_date": today - timedelta(days=n + 1),
                    "on_behalf": True,
                },
            )
            workflow.transition(regulator, c.id, data={"action": "accept"})
            oversight.substantiate(regulator, c.id, categories=["counterfeit"])


def _step(page: Any, name: str) -> Any:
    """Open the next-step form called `name` on a complaint page and return it."""
    box = page.locator("details.step").filter(
        has=page.locator("summary", has_text=re.compile(f"^{name}$"))
    )
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    return box


def _no_console_errors(*visitors: Any) -> None:
    for v in visitors:
        assert v.errors == [], v.errors


def test_a_complaint_from_filing_to_the_dashboard_and_the_offender_flag(
    visitor: Any, live: Any, tmp_path: Any
) -> None:
    # The association files through the form.
    assoc = visitor("association@demo.local")
    page = assoc.page
    assoc.go("/complaints/new")
    page.get_by_role("button", name="提交投诉").click()
    assert page.locator("#complainant_phone-error").is_visible()
    assert page.locator("#facts-error").inner_text()
    page.get_by_label("投诉人姓名").fill("张小明")
    page.get_by_label("联系电话").fill("13812341234")
    page.get_by_label("联系地址").fill("河南省郑州市金水区花园路1号")
    combo = page.get_by_role("combobox", name="被投诉企业")
    combo.fill("美团")
    page.get_by_role("option", name=re.compile(ENTERPRISE)).wait_for()
    combo.press("ArrowDown")
    combo.press("Enter")
    assert combo.input_value() == ENTERPRISE
    page.get_by_label("事实与理由").fill(FACTS)
    page.locator("#preview").get_by_text("假冒伪劣").wait_for()
    assert page.locator("#preview mark", has_text="假货").count() == 1
    evidence = tmp_path / "receipt.png"
    evidence.write_bytes(PNG)
    page.get_by_label("证据材料").set_input_files(str(evidence))
    assoc.shot("01-file-complaint")
    page.get_by_role("button", name="提交投诉").click()
    heading = page.get_by_role("heading", level=1).inner_text()
    number = re.search(r"TS-\d{8}-\d{6}", heading).group(0)
    assert page.get_by_role("link", name="receipt.png").is_visible()
    complaint = _complaint(live, number)

    # A regional regulator accepts it and forwards it to the enterprise.
    regulator = visitor("regional@demo.local")
    regulator.go(f"/complaints/{complaint.id}")
    _step(regulator.page, "受理").get_by_role("button").click()
    _step(regulator.page, "转交企业").get_by_role("button").click()
    assert "已转交企业" in regulator.page.locator(".heading .badge").inner_text()

    # The enterprise sees it in its inbox with the SLA service's countdown.
    ent = visitor("enterprise@demo.local")
    ent.go("/inbox")
    row = ent.page.locator("tr", has_text=number)
    assert _expected_countdown(live, complaint.id) in row.inner_text()
    assert "还剩" in row.inner_text()
    ent.shot("02-enterprise-inbox")
    row.get_by_role("link", name=number).click()
    respond = _step(ent.page, "回复")
    respond.get_by_label("备注").fill("已核实，同意全额退款并补偿50元。")
    respond.get_by_role("button").click()
    _step(ent.page, "标记已解决").get_by_role("button").click()
    assert "企业已解决" in ent.page.locator(".heading .badge").inner_text()
    ent.shot("03-complaint-detail-enterprise")

    # The association confirms and rates.
    assoc.go(f"/complaints/{complaint.id}")
    confirm = _step(assoc.page, "确认")
    for name in ("服务态度", "处理速度", "满意度"):
        confirm.get_by_label(name).select_option("5")
    confirm.get_by_role("button").click()
    assert "已完成" in assoc.page.locator(".heading .badge").inner_text()

    # The regulator substantiates it and finds it again from the dashboard.
    regulator.go(f"/complaints/{complaint.id}")
    findings = regulator.page.locator("#findings")
    findings.get_by_text("认定违法行为", exact=True).click()
    findings.get_by_label("假冒伪劣").check()
    findings.get_by_role("button", name="认定", exact=True).click()
    assert regulator.page.locator("#findings").get_by_text("已认定").is_visible()
    regulator.shot("04-complaint-detail-regulator")
    regulator.go("/dashboard")
    regulator.shot("05-dashboard")
    bar = regulator.page.locator("#h-ent ~ svg a", has=regulator.page.locator("rect"))
    bar.first.click()
    assert "/complaints?" in regulator.page.url
    regulator.page.get_by_role("link", name=number).click()
    assert number in regulator.page.get_by_role("heading", level=1).inner_text()

    # Enough violations raise a flag; a national regulator (Meituan is
    # registered in Beijing, outside Zhengzhou's remit) confirms it.
    _more_violations(live, 2)
    national = visitor("national@demo.local")
    national.go("/offenders")
    national.shot("06-offenders")
    flag = national.page.locator("article.flag", has_text=ENTERPRISE).first
    assert flag.get_by_role("link", name=number).count() == 1
    flag.get_by_label("理由").fill("三个月内三次售假，约谈。")
    flag.get_by_role("button", name="确认", exact=True).click()
    reviewed = national.page.locator("article.flag", has_text=ENTERPRISE).first
    assert "已确认" in reviewed.inner_text()
    _no_console_errors(assoc, regulator, ent, national)


def test_the_english_switch_sticks_across_pages(visitor: Any) -> None:
    regulator = visitor("national@demo.local")
    regulator.go("/dashboard")
    assert regulator.page.get_by_role("heading", level=1).inner_text() == "监管看板"
    regulator.page.get_by_role("link", name="English").click()
    assert regulator.page.get_by_role("heading", level=1).inner_text() == "Dashboard"
    regulator.page.get_by_role("link", name="Pledge registry").click()
    assert (
        regulator.page.get_by_role("heading", level=1).inner_text() == "Pledge registry"
    )
    regulator.shot("07-registry-english")
    regulator.page.get_by_role("link", name="中文").click()
    assert regulator.page.get_by_role("heading", level=1).inner_text() == "承诺登记"
    _no_console_errors(regulator)


def test_another_organisation_cannot_open_a_complaint_by_url(
    visitor: Any, live: Any
) -> None:
    with live.app.app_context():
        filer = auth.actor_for(
            db.session.query(User).filter_by(email="association@demo.local").one()
        )
        c, _ = complaints.file_complaint(
            filer,
            channel=Channel.API,
            data={
                "complainant_name": "王芳",
                "complainant_phone": "13700001111",
                "complainant_address": "河南省郑州市中原区建设路2号",
                "enterprise_name": "美团",
                "request_type": "refund",
                "facts": "订单取消后迟迟不退款。",
                "on_behalf": True,
            },
        )
        accounts.create_user(
            SYSTEM,
            data={
                "email": "cca@demo.local",
                "role": "association",
                "org": "中国消费者协会",
                "password": "demo12345",
            },
        )
        complaint_id = c.id
    other = visitor("cca@demo.local")
    response = other.go(f"/complaints/{complaint_id}")
    assert response.status == 404
    assert other.page.get_by_role("heading", level=1).inner_text() == "未找到"
    other.shot("08-other-organisation-404")
    own = visitor("association@demo.local")
    assert own.go(f"/complaints/{complaint_id}").status == 200
    _no_console_errors(other, own)
