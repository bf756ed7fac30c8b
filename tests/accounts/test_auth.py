from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts import service
from app.accounts.access import SYSTEM
from app.accounts.models import ApiToken, AuditEntry
from app.clock import utcnow
from app.extensions import db
from tests import builders as b

ERROR_KEYS = {"code", "status", "reason", "message", "errors"}


def _audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Basic abc", "Token x", "Bearer not-a-real-token", "bearer"],
)
def test_bad_authorization_headers_get_401_and_write_nothing(
    app, client, header
) -> None:
    b.regions()
    before = _audit_count()
    resp = client.post(
        "/api/v1/regions",
        json={"code": "500000", "name": "重庆市", "level": "province"},
        headers={"Authorization": header},
    )
    assert resp.status_code == 401 and set(resp.get_json()) == ERROR_KEYS
    assert _audit_count() == before


def test_revoked_and_expired_tokens_are_refused(app, client) -> None:
    u = b.user("admin")
    row, token = service.create_token(SYSTEM, u, name="t")
    h = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=h).status_code == 200
    assert (
        client.post(f"/api/v1/tokens/{row.id}/revocation", headers=h).status_code == 200
    )
    assert client.get("/api/v1/me", headers=h).status_code == 401
    _, old = service.create_token(
        SYSTEM, u, name="old", expires_at=utcnow() - timedelta(days=1)
    )
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code
        == 401
    )


def test_token_use_is_timestamped_and_tokens_are_listed_without_secret(
    app, client
) -> None:
    u, h = b.actor_headers("admin")
    client.get("/api/v1/me", headers=h)
    listed = client.get("/api/v1/tokens", headers=h).get_json()
    assert listed[0]["last_used_at"] is not None and "token" not in listed[0]
    created = client.post(
        "/api/v1/tokens", json={"name": "assoc-system"}, headers=h
    ).get_json()
    assert created["token"].startswith("fct_")
    row = db.session.get(ApiToken, created["id"])
    assert row.token_hash != created["token"]


def test_a_user_cannot_revoke_another_users_token(app, client) -> None:
    owner = b.user("admin")
    row, _ = service.create_token(SYSTEM, owner, name="t")
    _, h = b.actor_headers("association")
    assert (
        client.post(f"/api/v1/tokens/{row.id}/revocation", headers=h).status_code == 404
    )
    assert db.session.get(ApiToken, row.id).revoked_at is None


def _csrf(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_login_gives_the_same_message_for_unknown_user_and_wrong_password(
    app, client
) -> None:
    u = b.user("admin", password="right-password")
    wrong = client.post(
        "/login",
        data={"email": u.email, "password": "nope", "csrf_token": _csrf(client)},
    )
    unknown = client.post(
        "/login",
        data={"email": "ghost@x.cn", "password": "nope", "csrf_token": _csrf(client)},
    )
    assert wrong.status_code == unknown.status_code == 401

    def msg(r) -> str:
        page = r.get_data(as_text=True)
        return page.split('role="alert"')[1].split(">", 1)[1].split("<")[0]

    assert msg(wrong) == msg(unknown)


def test_session_login_then_api_call_needs_csrf_for_writes(app, client) -> None:
    u = b.user("admin", password="right-password")
    ok = client.post(
        "/login",
        data={
            "email": u.email,
            "password": "right-password",
            "csrf_token": _csrf(client),
        },
    )
    assert ok.status_code == 302
    assert client.get("/api/v1/me").get_json()["user_id"] == u.id
    b.regions()
    no_csrf = client.post(
        "/api/v1/regions",
        json={"code": "500000", "name": "重庆市", "level": "province"},
    )
    assert no_csrf.status_code == 401 and no_csrf.get_json()["reason"] == "csrf"
    with_csrf = client.post(
        "/api/v1/regions",
        json={"code": "500000", "name": "重庆市", "level": "province"},
        headers={"X-CSRFToken": _csrf(client)},
    )
    assert with_csrf.status_code == 201


def test_login_form_without_csrf_is_refused(app, client) -> None:
    u = b.user("admin", password="right-password")
    resp = client.post("/login", data={"email": u.email, "password": "right-password"})
    assert resp.status_code == 401


def test_forged_session_cookie_is_not_a_login(app, client) -> None:
    client.set_cookie("session", "eyJfdXNlcl9pZCI6IjEifQ.forged.signature")
    assert client.get("/api/v1/me").status_code == 401


def test_brute_force_login_is_limited_with_429(app, client) -> None:
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    codes = [
        client.post(
            "/login",
            data={"email": "x@x.cn", "password": "bad", "csrf_token": "x"},
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
        ).status_code
        for _ in range(limit + 1)
    ]
    assert codes[-1] == 429 and 429 not in codes[:limit]
