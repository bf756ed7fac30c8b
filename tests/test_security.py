"""Security headers and cookie flags."""

from tests import builders as b


def test_every_response_carries_a_csp_without_inline_script(client) -> None:
    for url in ("/login", "/api/openapi.json", "/api/docs/", "/api/v1/me"):
        resp = client.get(url)
        csp = resp.headers["Content-Security-Policy"]
        assert (
            "script-src 'self'" in csp
            and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        )
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert "Strict-Transport-Security" not in resp.headers


def test_hsts_when_served_over_tls(client) -> None:
    resp = client.get("/login", base_url="https://localhost")
    assert "max-age=" in resp.headers["Strict-Transport-Security"]


def test_session_cookie_is_httponly_and_samesite(app, client) -> None:
    u = b.user("admin", password="right-password")
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    resp = client.post(
        "/login",
        data={"email": u.email, "password": "right-password", "csrf_token": token},
    )
    cookies = [v for k, v in resp.headers.items() if k == "Set-Cookie"]
    session = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session


def test_secure_cookie_flag_is_configurable_for_tls_deployments(app) -> None:
    from app import create_app

    prod = create_app({"DATABASE_URL": "sqlite://", "SESSION_COOKIE_SECURE": True})
    assert prod.config["SESSION_COOKIE_SECURE"] is True
