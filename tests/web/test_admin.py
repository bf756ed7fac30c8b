"""The admin's pages: users, tokens, rule packs, the calendar, SLA policies."""

import re
from datetime import date

from app.accounts.models import ApiToken, User
from app.extensions import db
from app.sla.models import CalendarOverrideDay, SlaPolicy
from tests.web.conftest import csrf_token, page_text


def _post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client), **data})


def test_the_admin_adds_a_user_and_sees_why_one_is_refused(world, signed_in) -> None:
    client = signed_in(world.admin)
    refused = _post(client, "/admin/users", email="not-an-email", role="admin")
    assert refused.status_code == 422
    assert 'id="email-error"' in page_text(refused)
    no_org = _post(client, "/admin/users", email="a@example.cn", role="association")
    assert no_org.status_code == 422
    assert 'id="org-error"' in page_text(no_org)
    made = _post(
        client,
        "/admin/users",
        email="new@example.cn",
        role="enterprise",
        org=str(world.jd.id),
        password="long-enough-1",
    )
    assert made.status_code == 302
    assert db.session.query(User).filter_by(email="new@example.cn").one().enterprise_id
    assert "new@example.cn" in page_text(client.get("/admin/users"))


def test_only_admins_manage_users(world, signed_in) -> None:
    assert signed_in(world.national).get("/admin/users").status_code == 403


def test_a_token_is_shown_once_and_can_be_revoked(world, signed_in) -> None:
    client = signed_in(world.assoc)
    created = _post(client, "/tokens", name="报送系统")
    assert created.status_code == 201
    token = re.search(r'id="new-token">(fct_[^<]+)<', page_text(created)).group(1)
    assert token not in page_text(client.get("/tokens"))
    row = db.session.query(ApiToken).one()
    _post(client, f"/tokens/{row.id}/revoke")
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is not None
    other = signed_in(world.other_assoc)
    assert _post(other, f"/tokens/{row.id}/revoke").status_code == 404


def test_the_rule_pack_page_shows_the_lint_and_the_versions(world, signed_in) -> None:
    text = page_text(signed_in(world.admin).get("/admin/rule-packs"))
    assert "counterfeit.toml" in text
    assert "badge ok" in text and "badge late" not in text
    assert "v1" in text


def test_a_calendar_override_is_added_and_removed(world, signed_in) -> None:
    client = signed_in(world.admin)
    bad = _post(
        client,
        "/admin/calendar",
        which="override",
        **{"override-date": "2021-02-30", "override-is_workday": "false"},
    )
    assert bad.status_code == 422
    assert 'id="override-date-error"' in page_text(bad)
    _post(
        client,
        "/admin/calendar",
        which="override",
        **{
            "override-date": "2021-05-06",
            "override-is_workday": "false",
            "override-reason": "地方调休",
        },
    )
    assert db.session.get(CalendarOverrideDay, date(2021, 5, 6)) is not None
    _post(client, "/admin/calendar/2021-05-06/delete")
    db.session.expire_all()
    assert db.session.get(CalendarOverrideDay, date(2021, 5, 6)) is None


def test_an_sla_policy_is_added_with_errors_next_to_fields(world, signed_in) -> None:
    client = signed_in(world.admin)
    policy = {
        "code": "fast_reply",
        "target": "first_response",
        "name_zh": "快速响应",
        "name_en": "Fast reply",
        "amount": "0",
        "unit": "working_days",
        "at_risk_percent": "20",
    }
    refused = _post(client, "/admin/sla-policies", **policy)
    assert refused.status_code == 422
    assert 'id="amount-error"' in page_text(refused)
    policy["amount"] = "1"
    assert _post(client, "/admin/sla-policies", **policy).status_code == 302
    row = db.session.query(SlaPolicy).one()
    _post(client, f"/admin/sla-policies/{row.id}/delete")
    assert db.session.query(SlaPolicy).count() == 0
