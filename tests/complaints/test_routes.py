import json
import re
from datetime import date

from sqlalchemy import func, select

from app.accounts.models import AuditEntry
from app.complaints.models import Complaint, ComplaintEvent
from app.extensions import db
from app.sla.models import SlaPause
from tests import builders as b
from tests.complaints.conftest import act, file

ERROR_KEYS = {"code", "status", "reason", "message", "errors"}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_files_matches_classifies_numbers_and_masks(client, cast) -> None:
    c = file(client, cast)
    assert re.fullmatch(r"TS-\d{8}-\d{6}", c["number"])
    assert c["enterprise_id"] == cast.jd_id and c["match_method"] == "exact"
    assert not c["needs_matching"]
    assert "counterfeit" in c["labels"] and c["pack_versions"]
    assert c["complainant_phone"] == "138****1234"
    assert "13812341234" not in str(c)
    assert c["status"] == "submitted" and c["events"][0]["to_status"] == "submitted"
    assert c["amount"] == "299.00"


def test_campaign_is_assigned_from_purchase_date_and_participation(
    client, cast
) -> None:
    from app.accounts.access import SYSTEM
    from app.pledges import service as registry

    camp = b.campaign()
    part = registry.recommend(
        SYSTEM,
        data={
            "campaign_id": camp.id,
            "enterprise_id": cast.jd_id,
            "region_code": "110000",
        },
    )
    pledge = registry.draft_pledge(
        SYSTEM, data={"campaign_id": camp.id, "enterprise_id": cast.jd_id}
    )
    registry.sign_pledge(
        SYSTEM, pledge.id, signatory="x", signed_at=b.local(2021, 4, 1)
    )
    registry.decide(SYSTEM, part.id, decision="approve")
    inside = file(client, cast, purchase_date="2021-05-01")
    outside = file(client, cast, purchase_date="2021-06-01", order_no="X2")
    assert (inside["campaign_id"], inside["campaign_source"]) == (camp.id, "auto")
    assert outside["campaign_id"] is None


def test_unsure_enterprise_waits_in_the_matching_queue(client, cast) -> None:
    c = file(client, cast, enterprise_name="某某不知名小卖部")
    assert c["needs_matching"] and c["enterprise_id"] is None
    queue = client.get(
        "/api/v1/complaints/matching-queue", headers=cast.regional
    ).get_json()
    assert [i["id"] for i in queue["items"]] == [c["id"]]
    refused = act(client, cast.regional, c["id"], "accept")
    assert (
        refused.status_code == 409 and refused.get_json()["reason"] == "needs_matching"
    )
    fixed = client.post(
        f"/api/v1/complaints/{c['id']}/enterprise",
        json={"enterprise_id": cast.jd_id, "note": "核实为京东"},
        headers=cast.regional,
    )
    assert fixed.status_code == 200 and fixed.get_json()["match_method"] == "manual"
    assert (
        client.get(
            "/api/v1/complaints/matching-queue", headers=cast.regional
        ).get_json()["total"]
        == 0
    )


def test_idempotency_key_returns_the_original_and_refuses_a_different_body(
    client, cast
) -> None:
    body = b.complaint_body()
    h = cast.assoc | {"Idempotency-Key": "abc-123"}
    first = client.post("/api/v1/complaints", json=body, headers=h)
    again = client.post("/api/v1/complaints", json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = client.post(
        "/api/v1/complaints",
        json=body | {"facts": "完全不同的内容，商品质量有问题"},
        headers=h,
    )
    assert (
        other.status_code == 422
        and other.get_json()["reason"] == "idempotency_key_reused"
    )
    assert _count(Complaint) == 1


def test_bad_input_names_the_field_and_writes_nothing(client, cast) -> None:
    cases = {
        "complainant_phone": b.complaint_body(complainant_phone=None),
        "facts": b.complaint_body(facts="   "),
        "amount": b.complaint_body(amount="-5"),
        "purchase_date": b.complaint_body(purchase_date="2999-01-01"),
        "complainant_name": b.complaint_body(complainant_name="张\x00三"),
        "request_type": b.complaint_body(request_type="money"),
    }
    absurd = client.post(
        "/api/v1/complaints",
        json=b.complaint_body(amount="99999999999"),
        headers=cast.assoc,
    )
    assert absurd.status_code == 422 and "amount" in absurd.get_json()["errors"]
    for field, body in cases.items():
        resp = client.post("/api/v1/complaints", json=body, headers=cast.assoc)
        assert resp.status_code == 422, field
        assert (
            set(resp.get_json()) == ERROR_KEYS and field in resp.get_json()["errors"]
        ), field
    assert _count(Complaint) == 0


def test_whole_lifecycle_with_history(client, cast) -> None:
    c = file(client, cast)
    cid = c["id"]
    assert act(client, cast.regional, cid, "accept").status_code == 200
    assert act(client, cast.regional, cid, "forward").status_code == 200
    assert (
        act(
            client, cast.enterprise, cid, "respond", note="已联系消费者，同意退款"
        ).status_code
        == 200
    )
    assert act(client, cast.enterprise, cid, "resolve").status_code == 200
    no_ratings = act(client, cast.assoc, cid, "confirm")
    assert no_ratings.status_code == 422
    ok = act(
        client,
        cast.assoc,
        cid,
        "confirm",
        ratings={"attitude": 5, "speed": 4, "satisfaction": 5},
    )
    assert ok.status_code == 200 and ok.get_json()["rating_speed"] == 4
    closed = act(client, cast.regional, cid, "close")
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    history = [
        (e.from_status, e.to_status)
        for e in db.session.scalars(
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == cid)
            .order_by(ComplaintEvent.id)
        )
    ]
    assert history == [
        (None, "submitted"),
        ("submitted", "accepted"),
        ("accepted", "forwarded"),
        ("forwarded", "responded"),
        ("responded", "resolved"),
        ("resolved", "confirmed"),
        ("confirmed", "closed"),
    ]
    late = act(client, cast.assoc, cid, "withdraw")
    assert late.status_code == 409 and set(late.get_json()) == ERROR_KEYS


def test_not_allowed_transition_is_409_listing_what_is_allowed(client, cast) -> None:
    c = file(client, cast)
    resp = act(client, cast.enterprise, c["id"], "respond", note="x")
    assert resp.status_code in (404, 409)
    resp = act(
        client,
        cast.assoc,
        c["id"],
        "confirm",
        ratings={"attitude": 5, "speed": 5, "satisfaction": 5},
    )
    assert resp.status_code == 409
    assert resp.get_json()["errors"]["action"] == ["withdraw"]


def test_reject_needs_an_art15_reason_and_terminate_an_art21_reason(
    client, cast
) -> None:
    c1, c2 = file(client, cast), file(client, cast, order_no="B2")
    assert act(client, cast.regional, c1["id"], "reject").status_code == 422
    ok = act(client, cast.regional, c1["id"], "reject", reason="time_barred")
    assert ok.status_code == 200 and ok.get_json()["status"] == "rejected"
    act(client, cast.regional, c2["id"], "accept")
    bad = act(
        client, cast.regional, c2["id"], "terminate_mediation", reason="time_barred"
    )
    assert bad.status_code == 422
    done = act(
        client, cast.regional, c2["id"], "terminate_mediation", reason="deadline_passed"
    )
    assert done.get_json()["status"] == "mediation_terminated"


def test_dispute_goes_back_to_the_enterprise_and_withdrawal_ends_it(
    client, cast
) -> None:
    cid = file(client, cast)["id"]
    for h, a, extra in [
        (cast.regional, "accept", {}),
        (cast.regional, "forward", {}),
        (cast.enterprise, "respond", {"note": "已处理"}),
        (cast.enterprise, "resolve", {}),
        (cast.assoc, "dispute", {"note": "并未收到退款"}),
        (cast.regional, "forward_again", {}),
    ]:
        assert act(client, h, cid, a, **extra).status_code == 200, a
    assert act(client, cast.assoc, cid, "withdraw").get_json()["status"] == "withdrawn"


def test_info_request_pauses_and_the_reply_resumes(client, cast) -> None:
    cid = file(client, cast)["id"]
    act(client, cast.regional, cid, "accept")
    act(client, cast.regional, cid, "forward")
    ask = client.post(
        f"/api/v1/complaints/{cid}/messages",
        json={"kind": "info_request", "body": "请提供订单截图"},
        headers=cast.enterprise,
    )
    assert ask.status_code == 201
    pause = db.session.scalar(select(SlaPause).where(SlaPause.complaint_id == cid))
    assert pause.reason == "awaiting_complainant" and pause.ended_at is None
    reply = client.post(
        f"/api/v1/complaints/{cid}/messages",
        json={"kind": "info_reply", "body": "截图已上传"},
        headers=cast.assoc,
    )
    assert reply.status_code == 201
    db.session.refresh(pause)
    assert pause.ended_at is not None
    proposal = client.post(
        f"/api/v1/complaints/{cid}/messages",
        json={
            "kind": "proposal",
            "body": "全额退款并补偿",
            "refund_amount": "299.00",
            "compensation_amount": "500.00",
        },
        headers=cast.enterprise,
    )
    assert (
        proposal.status_code == 201
        and proposal.get_json()["compensation_amount"] == "500.00"
    )
    wrong = client.post(
        f"/api/v1/complaints/{cid}/messages",
        json={"kind": "proposal", "body": "x"},
        headers=cast.assoc,
    )
    assert wrong.status_code == 403
    thread = client.get(
        f"/api/v1/complaints/{cid}/messages", headers=cast.assoc
    ).get_json()
    assert [m["kind"] for m in thread] == ["info_request", "info_reply", "proposal"]


def test_personal_data_is_shown_to_the_enterprise_only_after_forwarding_and_audited(
    client, cast
) -> None:
    cid = file(client, cast)["id"]
    assert (
        client.get(
            f"/api/v1/complaints/{cid}/personal-data", headers=cast.enterprise
        ).status_code
        == 403
    )
    act(client, cast.regional, cid, "accept")
    act(client, cast.regional, cid, "forward")
    before = _count(AuditEntry)
    resp = client.get(
        f"/api/v1/complaints/{cid}/personal-data", headers=cast.enterprise
    )
    assert (
        resp.status_code == 200
        and resp.get_json()["complainant_phone"] == "13812341234"
    )
    views = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "personal_data.view")
    )
    assert _count(AuditEntry) == before + 1 and len(list(views)) == 1


def test_other_organisations_get_404_for_read_and_write(client, cast) -> None:
    cid = file(client, cast)["id"]
    act(client, cast.regional, cid, "accept")
    act(client, cast.regional, cid, "forward")
    for h in (cast.other_assoc, cast.other_enterprise, cast.far_regional):
        assert client.get(f"/api/v1/complaints/{cid}", headers=h).status_code == 404
        assert (
            client.get(f"/api/v1/complaints/{cid}/personal-data", headers=h).status_code
            == 404
        )
        assert (
            client.post(
                f"/api/v1/complaints/{cid}/messages", json={"body": "x"}, headers=h
            ).status_code
            == 404
        )
        assert client.get("/api/v1/complaints", headers=h).get_json()["total"] == 0
    assert (
        act(client, cast.other_enterprise, cid, "respond", note="x").status_code == 404
    )
    assert (
        client.get(f"/api/v1/complaints/{cid}", headers=cast.national).status_code
        == 200
    )


def test_same_order_number_is_flagged_as_a_duplicate_not_dropped(client, cast) -> None:
    first = file(client, cast, order_no="JD-777")
    second = file(
        client,
        cast,
        order_no="JD-777",
        facts="耳机是假货，要求退款，商家一直不回复消息。",
    )
    assert (
        second["duplicate_of_id"] == first["id"]
        and second["duplicate_reason"] == "same_order"
    )
    assert _count(Complaint) == 2


def test_numbers_are_unique_and_sequential(client, cast) -> None:
    numbers = [file(client, cast, order_no=f"N{i}")["number"] for i in range(12)]
    assert len(set(numbers)) == 12
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert seqs == list(range(seqs[0], seqs[0] + 12))


def test_list_filters_by_status_category_and_enterprise(client, cast) -> None:
    a = file(client, cast)
    file(client, cast, order_no="Z9", facts="送货太慢了，客服态度也不好，希望改进。")
    act(client, cast.regional, a["id"], "accept")
    h = cast.national
    assert (
        client.get("/api/v1/complaints?status=accepted", headers=h).get_json()["total"]
        == 1
    )
    assert (
        client.get("/api/v1/complaints?category=counterfeit", headers=h).get_json()[
            "total"
        ]
        == 1
    )
    assert (
        client.get(
            f"/api/v1/complaints?enterprise_id={cast.jd_id}", headers=h
        ).get_json()["total"]
        == 2
    )
    bad = client.get("/api/v1/complaints?status=nonsense", headers=h)
    assert bad.status_code == 422 and "status" in bad.get_json()["errors"]


def test_regulator_overrides_labels_with_a_reason(client, cast) -> None:
    cid = file(client, cast)["id"]
    no_reason = client.post(
        f"/api/v1/complaints/{cid}/labels", json={"labels": []}, headers=cast.regional
    )
    assert no_reason.status_code == 422
    unknown = client.post(
        f"/api/v1/complaints/{cid}/labels",
        json={"labels": ["nonsense"], "reason": "x"},
        headers=cast.regional,
    )
    assert unknown.status_code == 422 and "labels" in unknown.get_json()["errors"]
    ok = client.post(
        f"/api/v1/complaints/{cid}/labels",
        json={"labels": ["false_advertising"], "reason": "实为虚假宣传"},
        headers=cast.regional,
    )
    assert ok.status_code == 200 and ok.get_json()["labels"] == ["false_advertising"]
    assert (
        client.get(
            "/api/v1/complaints?category=counterfeit", headers=cast.national
        ).get_json()["total"]
        == 0
    )


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_attachments_are_checked_by_content_and_stored_by_hash(
    app, client, cast
) -> None:
    import io

    cid = file(client, cast)["id"]
    url = f"/api/v1/complaints/{cid}/attachments"
    ok = client.post(
        url,
        data={"file": (io.BytesIO(PNG), "../../evidence.png")},
        headers=cast.assoc,
        content_type="multipart/form-data",
    )
    assert ok.status_code == 201, ok.get_json()
    att = ok.get_json()
    assert att["filename"] == "evidence.png" and len(att["sha256"]) == 64
    liar = client.post(
        url,
        data={"file": (io.BytesIO(b"<script>x</script>"), "a.png")},
        headers=cast.assoc,
        content_type="multipart/form-data",
    )
    assert liar.status_code == 422
    renamed = client.post(
        url,
        data={"file": (io.BytesIO(PNG), "a.pdf")},
        headers=cast.assoc,
        content_type="multipart/form-data",
    )
    assert renamed.status_code == 422
    app.config["MAX_ATTACHMENT_BYTES"] = 1024  # small, so the test body stays in memory
    try:
        big = client.post(
            url,
            data={"file": (io.BytesIO(PNG + bytes(2048)), "b.png")},
            headers=cast.assoc,
            content_type="multipart/form-data",
        )
    finally:
        app.config["MAX_ATTACHMENT_BYTES"] = 10 * 1024 * 1024
    assert big.status_code == 413
    got = client.get(f"{url}/{att['id']}", headers=cast.assoc)
    assert got.status_code == 200 and got.data == PNG
    got.close()
    assert client.get(f"{url}/{att['id']}", headers=cast.other_assoc).status_code == 404


def test_reclassify_applies_new_packs_but_keeps_regulator_overrides(
    app, client, cast
) -> None:
    a = file(client, cast)
    b_ = file(client, cast, order_no="Q1")
    client.post(
        f"/api/v1/complaints/{b_['id']}/labels",
        json={"labels": ["false_advertising"], "reason": "复核"},
        headers=cast.regional,
    )
    db.session.execute(
        Complaint.__table__.update().where(Complaint.id == a["id"]).values(labels=[])
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["rules", "reclassify"])
    assert result.exit_code == 0, result.output
    assert "labels changed on 1" in result.output
    db.session.expire_all()
    assert "counterfeit" in db.session.get(Complaint, a["id"]).labels
    assert db.session.get(Complaint, b_["id"]).labels == ["false_advertising"]


def test_the_classification_is_stored_with_its_citations_once_and_read_whole(
    app, client, cast
) -> None:
    from sqlalchemy import text

    from app.rules import service as rules

    first, second = file(client, cast), file(client, cast)
    expected = rules.classify_text(
        "\n".join(t for t in (first["facts"], first.get("request_text")) if t),
        conduct_date=date.fromisoformat(first["purchase_date"]),
    ).to_dict()
    assert first["classification"] == expected == second["classification"]
    stored = db.session.execute(
        text("SELECT classification FROM complaints WHERE id = :i"), {"i": first["id"]}
    ).scalar_one()
    stored = json.loads(stored) if isinstance(stored, str) else stored
    assert all("legal_basis" not in c for c in stored["categories"])
    bodies = db.session.execute(text("SELECT body FROM classification_citations"))
    raw = [
        b if isinstance(b, str) else json.dumps(b, ensure_ascii=False)
        for (b,) in bodies
    ]
    assert len(raw) == len(expected["categories"])  # the second filing added none
    assert any("假冒伪劣" in body for body in raw)  # stored as written
