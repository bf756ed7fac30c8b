"""The regulator's dashboard, repeat-offender review and matching queue."""

import re

from app.complaints.models import Complaint
from app.extensions import db
from app.oversight import service as oversight
from app.oversight.models import OffenderFlag
from tests.web.conftest import csrf_token, page_text


def test_the_dashboard_charts_link_to_the_list_of_what_they_count(
    world, signed_in
) -> None:
    complaint = world.forward(world.file())
    text = page_text(signed_in(world.regional).get("/dashboard"))
    assert "<svg" in text and "各类别投诉量走势" in text
    links = re.findall(r'<a href="(/complaints\?[^"]+)"><rect', text)
    assert f"/complaints?enterprise_id={world.jd.id}&amp;category=counterfeit" in links
    followed = signed_in(world.regional).get(
        f"/complaints?enterprise_id={world.jd.id}&category=counterfeit"
    )
    assert complaint.number in page_text(followed)


def test_the_dashboard_filters_drive_every_figure(world, signed_in) -> None:
    world.file()
    client = signed_in(world.national)
    assert '<span class="big">1</span>' in page_text(client.get("/dashboard"))
    text = page_text(client.get("/dashboard?category=price_fraud"))
    assert '<span class="big">0</span>' in text
    assert "没有符合筛选条件的投诉" in text


def test_a_bad_dashboard_filter_is_named_next_to_its_field(world, signed_in) -> None:
    response = signed_in(world.regional).get("/dashboard?enterprise_id=x")
    assert response.status_code == 422
    assert 'id="enterprise_id-error"' in page_text(response)


def test_the_dashboard_is_for_regulators(world, signed_in) -> None:
    assert signed_in(world.enterprise).get("/dashboard").status_code == 403


def _three_findings(world) -> list[Complaint]:
    found = []
    for n in range(3):
        complaint = world.forward(world.file(complainant_phone=f"1390000{n:04d}"))
        oversight.substantiate(
            world.actor(world.national), complaint.id, categories=["counterfeit"]
        )
        found.append(complaint)
    return found


def test_a_flag_shows_its_evidence_and_is_confirmed_with_a_reason(
    world, signed_in
) -> None:
    complaints = _three_findings(world)
    client = signed_in(world.national)
    text = page_text(client.get("/offenders"))
    assert all(c.number in text for c in complaints)
    flag = db.session.query(OffenderFlag).filter_by(status="open").first()
    token = csrf_token(client, "/offenders")
    no_reason = client.post(
        f"/offenders/{flag.id}/review",
        data={"csrf_token": token, "decision": "confirm", "reason": ""},
        follow_redirects=True,
    )
    assert "须填写理由" in page_text(no_reason)
    client.post(
        f"/offenders/{flag.id}/review",
        data={"csrf_token": token, "decision": "confirm", "reason": "约谈"},
    )
    db.session.expire_all()
    assert db.session.get(OffenderFlag, flag.id).status == "confirmed"


def test_the_matching_queue_assigns_the_enterprise(world, signed_in) -> None:
    complaint = world.file(enterprise_name="某不知名小店")
    client = signed_in(world.regional)
    assert complaint.number in page_text(client.get("/matching"))
    token = csrf_token(client, "/matching")
    response = client.post(
        f"/complaints/{complaint.id}/enterprise",
        data={
            "csrf_token": token,
            "enterprise_id": str(world.jd.id),
            "next": "/matching",
        },
    )
    assert response.headers["Location"] == "/matching"
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).enterprise_id == world.jd.id
    assert complaint.number not in page_text(client.get("/matching"))


def test_a_regulator_rules_on_a_contest_from_the_queue(world, signed_in) -> None:
    from app.oversight import contests
    from app.oversight.models import Contest

    complaint = world.forward(world.file())
    contests.file_contest(
        world.actor(world.enterprise),
        complaint.id,
        category="counterfeit",
        reason="有正品凭证",
    )
    client = signed_in(world.regional)
    assert "有正品凭证" in page_text(client.get("/contests"))
    assert "有正品凭证" not in page_text(signed_in(world.far_regional).get("/contests"))
    url = f"/complaints/{complaint.id}/contests/counterfeit/ruling"
    prefix = f"ruling-{complaint.id}-counterfeit"
    response = client.post(
        url, data={"csrf_token": csrf_token(client), f"{prefix}-upheld": "true"}
    )
    assert response.status_code == 422
    assert f'id="{prefix}-reason-error"' in page_text(response)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client),
            f"{prefix}-upheld": "true",
            f"{prefix}-reason": "鉴定为假货",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.query(Contest).one().status == "upheld"
    text = page_text(signed_in(world.enterprise).get(f"/complaints/{complaint.id}"))
    assert "鉴定为假货" in text
