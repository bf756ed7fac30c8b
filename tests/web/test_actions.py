"""The complaint page's commands: steps, messages, evidence, regulator tools."""

import io

from app.complaints.models import Complaint
from app.extensions import db
from app.sla.models import SlaPause
from tests.web.conftest import csrf_token, page_text

PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)


def _post(client, complaint, path, data, **kw):
    token = csrf_token(client, f"/complaints/{complaint.id}")
    return client.post(
        f"/complaints/{complaint.id}/{path}", data={"csrf_token": token, **data}, **kw
    )


def _status(complaint) -> str:
    db.session.expire_all()
    return db.session.get(Complaint, complaint.id).status


def test_a_regulator_accepts_and_forwards_through_the_page(world, signed_in) -> None:
    complaint = world.file()
    client = signed_in(world.regional)
    response = _post(client, complaint, "actions/accept", {"accept-action": "accept"})
    assert response.status_code == 302
    assert _status(complaint) == "accepted"
    _post(client, complaint, "actions/forward", {"forward-action": "forward"})
    assert _status(complaint) == "forwarded"
    assert "已完成：转交企业。" in page_text(client.get(f"/complaints/{complaint.id}"))


def test_rejecting_without_a_ground_is_shown_next_to_the_ground(
    world, signed_in
) -> None:
    complaint = world.file()
    response = _post(
        signed_in(world.regional), complaint, "actions/reject", {"reject-reason": ""}
    )
    assert response.status_code == 422
    text = page_text(response)
    assert 'id="reject-reason-error"' in text
    assert "法定理由" in text
    assert _status(complaint) == "submitted"


def test_confirming_needs_the_three_ratings(world, signed_in) -> None:
    from app.complaints import workflow

    complaint = world.forward(world.file())
    ent = world.actor(world.enterprise)
    workflow.transition(ent, complaint.id, data={"action": "respond", "note": "已退款"})
    workflow.transition(ent, complaint.id, data={"action": "resolve"})
    client = signed_in(world.assoc)
    response = _post(client, complaint, "actions/confirm", {"confirm-attitude": "5"})
    assert response.status_code == 422
    assert 'id="confirm-speed-error"' in page_text(response)
    ratings = {
        "confirm-attitude": "5",
        "confirm-speed": "4",
        "confirm-satisfaction": "5",
    }
    assert _post(client, complaint, "actions/confirm", ratings).status_code == 302
    assert _status(complaint) == "confirmed"


def test_a_step_no_longer_open_sends_back_to_the_page(world, signed_in) -> None:
    complaint = world.file()
    response = _post(signed_in(world.regional), complaint, "actions/close", {})
    assert response.status_code == 302
    assert _status(complaint) == "submitted"


def test_the_enterprise_proposes_a_resolution_and_asks_for_information(
    world, signed_in
) -> None:
    complaint = world.forward(world.file())
    client = signed_in(world.enterprise)
    proposal = {
        "proposal-body": "全额退款并赔偿",
        "proposal-refund_amount": "299.00",
        "proposal-compensation_amount": "abc",
    }
    response = _post(client, complaint, "messages/proposal", proposal)
    assert response.status_code == 422
    assert 'id="proposal-compensation_amount-error"' in page_text(response)
    proposal["proposal-compensation_amount"] = "50"
    assert _post(client, complaint, "messages/proposal", proposal).status_code == 302
    ask = {"info_request-body": "请提供订单截图"}
    assert _post(client, complaint, "messages/info_request", ask).status_code == 302
    text = page_text(client.get(f"/complaints/{complaint.id}"))
    assert "处理方案" in text and "退款：¥299.00" in text
    assert "已暂停" in text
    assert db.session.query(SlaPause).filter_by(complaint_id=complaint.id).count() == 1


def test_evidence_is_uploaded_downloaded_and_checked(world, signed_in) -> None:
    complaint = world.file()
    client = signed_in(world.assoc)
    bad = {"file": (io.BytesIO(b"MZ not an image"), "virus.png")}
    response = _post(
        client, complaint, "attachments", bad, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert 'id="file-error"' in page_text(response)
    good = {"file": (io.BytesIO(PNG), "receipt.png")}
    _post(client, complaint, "attachments", good, content_type="multipart/form-data")
    db.session.expire_all()
    attachment = db.session.get(Complaint, complaint.id).attachments[0]
    url = f"/complaints/{complaint.id}/attachments/{attachment.id}"
    download = client.get(url)
    assert download.data == PNG
    download.close()
    assert signed_in(world.other_assoc).get(url).status_code == 404


def test_a_regulator_changes_categories_and_pauses_the_clocks(world, signed_in) -> None:
    complaint = world.file()
    client = signed_in(world.regional)
    response = _post(client, complaint, "labels", {"labels": ["price_fraud"]})
    assert response.status_code == 422
    assert 'id="reason-error"' in page_text(response)
    _post(client, complaint, "labels", {"labels": ["price_fraud"], "reason": "复核"})
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).labels == ["price_fraud"]
    _post(client, complaint, "pause", {"reason": "recusal", "note": "申请回避"})
    assert db.session.query(SlaPause).filter_by(reason="recusal").count() == 1
    _post(client, complaint, "resume", {"reason": "recusal"})
    assert db.session.query(SlaPause).filter_by(reason="recusal").one().ended_at


def test_a_regulator_substantiates_a_category_the_complaint_carries(
    world, signed_in
) -> None:
    complaint = world.forward(world.file())
    client = signed_in(world.regional)
    response = _post(client, complaint, "violations", {"categories": []})
    assert response.status_code == 422
    assert "请至少选择一个类别" in page_text(response)
    _post(client, complaint, "violations", {"categories": ["counterfeit"]})
    text = page_text(client.get(f"/complaints/{complaint.id}"))
    assert "已认定" in text
    association = signed_in(world.assoc)
    refused = association.post(
        f"/complaints/{complaint.id}/violations",
        data={"csrf_token": csrf_token(association)},
    )
    assert refused.status_code == 403
