"""The enterprise contact's inbox, pledge and scorecard pages, and its contests."""

from app.accounts.access import SYSTEM
from app.complaints import workflow
from app.extensions import db
from app.oversight.models import Contest
from app.pledges import service as registry
from app.sla import queries as sla
from tests import builders as b
from tests.web.conftest import csrf_token, page_text


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


def _contest(client, complaint, category, data):
    token = csrf_token(client, f"/complaints/{complaint.id}")
    return client.post(
        f"/complaints/{complaint.id}/contests/{category}",
        data={"csrf_token": token, **data},
    )


def _contests(complaint) -> list[Contest]:
    db.session.expire_all()
    return list(db.session.query(Contest).filter_by(complaint_id=complaint.id))


def test_only_the_enterprise_sees_the_contest_form_once_forwarded(
    world, signed_in
) -> None:
    complaint = world.file()
    form = f"/complaints/{complaint.id}/contests/counterfeit"
    enterprise = signed_in(world.enterprise)
    assert form not in page_text(enterprise.get(f"/complaints/{complaint.id}"))
    world.forward(complaint)
    text = page_text(enterprise.get(f"/complaints/{complaint.id}"))
    assert form in text
    assert "对该分类提出异议" in text
    for other in (world.assoc, world.regional):
        shown = page_text(signed_in(other).get(f"/complaints/{complaint.id}"))
        assert form not in shown


def test_the_enterprise_contests_a_category_through_the_page(world, signed_in) -> None:
    complaint = world.forward(world.file())
    client = signed_in(world.enterprise)
    response = _contest(
        client, complaint, "counterfeit", {"contest-counterfeit-reason": "有正品凭证"}
    )
    assert response.status_code == 302
    [row] = _contests(complaint)
    assert (row.category, row.reason, row.status) == (
        "counterfeit",
        "有正品凭证",
        "open",
    )
    text = page_text(client.get(f"/complaints/{complaint.id}"))
    assert "待裁定" in text
    assert f"/complaints/{complaint.id}/contests/counterfeit" not in text


def test_a_contest_without_a_reason_shows_the_error_and_records_nothing(
    world, signed_in
) -> None:
    complaint = world.forward(world.file())
    response = _contest(
        signed_in(world.enterprise),
        complaint,
        "counterfeit",
        {"contest-counterfeit-reason": "  "},
    )
    assert response.status_code == 422
    assert 'id="contest-counterfeit-reason-error"' in page_text(response)
    assert _contests(complaint) == []


def test_another_enterprise_cannot_contest(world, signed_in) -> None:
    complaint = world.forward(world.file())
    client = signed_in(world.other_enterprise)
    response = client.post(
        f"/complaints/{complaint.id}/contests/counterfeit",
        data={
            "csrf_token": csrf_token(client),
            "contest-counterfeit-reason": "并非假货",
        },
    )
    assert response.status_code == 404
    assert _contests(complaint) == []


def test_contesting_needs_the_csrf_token(world, signed_in) -> None:
    complaint = world.forward(world.file())
    response = signed_in(world.enterprise).post(
        f"/complaints/{complaint.id}/contests/counterfeit",
        data={"contest-counterfeit-reason": "并非假货"},
    )
    assert response.status_code == 400
    assert _contests(complaint) == []
