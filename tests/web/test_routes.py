"""The web blueprint's plumbing: home by role, sign-in, language, error pages."""

import pytest

from tests.web.conftest import csrf_token, page_text


@pytest.mark.parametrize(
    ("who", "target"),
    [
        ("assoc", "/complaints"),
        ("enterprise", "/inbox"),
        ("regional", "/dashboard"),
        ("national", "/dashboard"),
        ("admin", "/admin/users"),
    ],
)
def test_home_sends_each_role_to_the_page_it_works_from(
    world, signed_in, who, target
) -> None:
    response = signed_in(getattr(world, who)).get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == target


def test_a_page_without_a_session_sends_the_browser_to_sign_in(client) -> None:
    response = client.get("/complaints?status=forwarded")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert "status%3Dforwarded" in response.headers["Location"]


def test_the_sign_in_page_is_chinese_by_default_and_english_on_request(client) -> None:
    assert "登录" in page_text(client.get("/login"))
    assert "Sign in" in page_text(client.get("/login?lang=en"))


def test_a_lang_query_is_kept_in_a_cookie_for_the_next_pages(world, signed_in) -> None:
    client = signed_in(world.regional)
    response = client.get("/dashboard?lang=en")
    assert "lang=en" in response.headers["Set-Cookie"]
    assert "<h1>Repeat offenders</h1>" in page_text(client.get("/offenders"))
    client.get("/offenders?lang=zh")
    assert "<h1>重复违规</h1>" in page_text(client.get("/offenders"))


def test_the_language_links_keep_the_other_query_arguments(world, signed_in) -> None:
    text = page_text(signed_in(world.assoc).get("/complaints?status=forwarded"))
    assert 'href="/complaints?status=forwarded&amp;lang=en"' in text


def test_a_role_outside_a_page_gets_a_403_page(world, signed_in) -> None:
    response = signed_in(world.assoc).get("/dashboard")
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert "无权访问" in page_text(response)


def test_an_unknown_complaint_is_a_404_page_not_json(world, signed_in) -> None:
    response = signed_in(world.assoc).get("/complaints/999999")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_a_form_posted_without_its_csrf_token_is_refused(world, signed_in) -> None:
    complaint = world.file()
    response = signed_in(world.regional).post(
        f"/complaints/{complaint.id}/actions/accept", data={"accept-note": "x"}
    )
    assert response.status_code == 400
    assert "安全令牌" in page_text(response)


def test_pages_carry_no_inline_script(world, signed_in) -> None:
    client = signed_in(world.assoc)
    csrf_token(client)
    for url in ("/complaints", "/complaints/new", "/imports/new", "/tokens"):
        text = page_text(client.get(url))
        assert "<script>" not in text
        assert " onclick=" not in text and " onload=" not in text
