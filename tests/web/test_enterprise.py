"""The enterprise contact's inbox, pledge and scorecard pages."""

from app.accounts.access import SYSTEM
from app.complaints import workflow
from app.pledges import service as registry
from app.sla import queries as sla
from tests import builders as b
from tests.web.conftest import page_text


def test_the_inbox_lists_forwarded_open_complaints_with_the_countdown(
    world, signed_in
) -> None:
    waiting = world.forward(world.file())
    not_yet = world.file()
    text = page_text(signed_in(world.enterprise).get("/inbox"))
    assert waiting.number in text
    assert not_yet.number not in text
    shown = sla.complaint_deadlines(SYSTEM, waiting.id)
    first_response = next(d for d in shown if d["target"] == "first_response")
    assert first_response["remaining_text"]["zh"] in text
    assert "还剩" in first_response["remaining_text"]["zh"]


def test_the_inbox_puts_a_paused_clock_below_a_running_one(world, signed_in) -> None:
    paused = world.forward(world.file())
    running = world.forward(world.file())
    workflow.post_message(
        world.actor(world.enterprise),
        paused.id,
        data={"kind": "info_request", "body": "请补充订单截图"},
    )
    text = page_text(signed_in(world.enterprise).get("/inbox"))
    assert text.index(running.number) < text.index(paused.number)
    assert "已暂停" in text


def test_the_inbox_is_for_enterprise_contacts_only(world, signed_in) -> None:
    assert signed_in(world.assoc).get("/inbox").status_code == 403


def test_the_pledge_page_lists_each_clause(world, signed_in) -> None:
    campaign = b.campaign()
    pledge = registry.draft_pledge(
        SYSTEM, data={"campaign_id": campaign.id, "enterprise_id": world.jd.id}
    )
    text = page_text(signed_in(world.enterprise).get("/pledge"))
    assert campaign.name in text
    assert pledge.obligations[0].text in text
    assert "草稿" in text


def test_the_scorecard_shows_the_enterprises_figures(world, signed_in) -> None:
    world.forward(world.file())
    text = page_text(signed_in(world.enterprise).get("/scorecard"))
    assert "北京京东世纪贸易有限公司" in text
    assert "回复率" in text
    other = signed_in(world.enterprise).get(
        f"/enterprises/{world.other_enterprise.enterprise_id}/scorecard"
    )
    assert other.status_code == 404
