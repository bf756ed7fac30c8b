"""Fixtures of the web page tests: signed-in test clients, and a real server.

Page tests use the shared in-memory-style fixtures (`app`, `client`) and sign
in by putting the user in the session. Browser tests get their own app on a
temporary SQLite file with the demo data, served by werkzeug on 127.0.0.1 on a
free port in a thread, and drive Debian's Chromium through Playwright. They
skip only when /usr/bin/chromium is missing. Screenshots go to
$FESTIVAL_SCREENS (default: <tmp>/festival-screens), outside the repository.
"""

import os
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from app import create_app
from app.accounts import auth
from app.accounts.access import Actor
from app.accounts.models import User
from app.complaints import service as complaints
from app.complaints import workflow
from app.complaints.enums import Channel
from app.complaints.models import Complaint
from app.complaints.schemas import ComplaintCreateSchema
from app.extensions import db
from app.pledges.models import Enterprise
from tests import builders as b

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# The header a later step of the project will send; the pages must work under it.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
EXPECTED_STATUS = re.compile(r"Failed to load resource: .* status of (404|422)")
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in its own app context.

    The shared `app` fixture keeps one app context open for the whole test, and
    Flask reuses it for requests, so `g` (where Flask-Login keeps the signed-in
    user) would carry one user's session into another client's request.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


def sign_in(client: FlaskClient, user: User) -> FlaskClient:
    """Put `user` in the client's session, as the sign-in page would."""
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    return client


def csrf_token(client: FlaskClient, url: str = "/tokens") -> str:
    """Read a CSRF token from a page the client may open."""
    found = CSRF.search(client.get(url).get_data(as_text=True))
    assert found, f"no CSRF token on {url}"
    return found.group(1)


@pytest.fixture
def signed_in(app: Flask) -> Any:
    """Return a function giving a fresh client signed in as a user."""

    def make(user: User) -> FlaskClient:
        return sign_in(FreshContextClient(app, app.response_class), user)

    return make


@dataclass
class World:
    """One user of each role in Zhengzhou, plus outsiders for the scoping checks."""

    jd: Enterprise
    assoc: User
    other_assoc: User
    enterprise: User
    other_enterprise: User
    regional: User
    far_regional: User
    national: User
    admin: User

    def actor(self, user: User) -> Actor:
        return auth.actor_for(user)

    def file(self, **over: Any) -> Complaint:
        """File a complaint against JD as the Zhengzhou association."""
        data = ComplaintCreateSchema().load(b.complaint_body(**over))
        complaint, _ = complaints.file_complaint(
            self.actor(self.assoc), data=data, channel=Channel.API
        )
        return complaint

    def forward(self, complaint: Complaint) -> Complaint:
        """Accept the complaint and forward it to the enterprise."""
        regulator = self.actor(self.regional)
        workflow.transition(regulator, complaint.id, data={"action": "accept"})
        return workflow.transition(regulator, complaint.id, data={"action": "forward"})


@pytest.fixture
def world(app: Flask, tmp_path: Path) -> Iterator[World]:
    # Job status files go to the test's folder, not the instance folder.
    app.config["WEB_JOBS_DIR"] = str(tmp_path / "jobs")
    yield _world()
    app.config.pop("WEB_JOBS_DIR", None)


def _world() -> World:
    jd = b.jd()
    b.region("440000", "广东省")
    zhengzhou_assoc = b.organisation("association", region_code="410100")

    def user(role: str, org: Any = None) -> User:
        # Page tests sign in through the session: no password, no slow hashing.
        return b.user(role, org, password=None)

    return World(
        jd=jd,
        assoc=user("association", zhengzhou_assoc),
        other_assoc=user("association", b.organisation("association")),
        enterprise=user("enterprise", jd),
        other_enterprise=user("enterprise", b.enterprise()),
        regional=user(
            "regional_regulator", b.organisation("authority", region_code="410100")
        ),
        far_regional=user(
            "regional_regulator", b.organisation("authority", region_code="440000")
        ),
        national=user(
            "national_regulator", b.organisation("authority", region_code=None)
        ),
        admin=user("admin"),
    )


def page_text(response: Any) -> str:
    return str(response.get_data(as_text=True))


# A real server for the browser ---------------------------------------------------


@dataclass
class Live:
    app: Flask
    url: str
    screens: Path


@pytest.fixture(scope="session")
def live() -> Iterator[Live]:
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Chromium at /usr/bin/chromium")
    from app import demo

    folder = Path(tempfile.mkdtemp(prefix="festival-web-"))
    app = create_app(
        {
            "DATABASE_URL": "sqlite:///" + str(folder / "live.sqlite3"),
            "SECRET_KEY": "browser-tests",
            "UPLOAD_DIR": str(folder / "uploads"),
            "WEB_JOBS_DIR": str(folder / "jobs"),
            # Each scenario signs in several users from the same address.
            "RATELIMIT_ENABLED": False,
        }
    )

    @app.after_request
    def _csp(response: Any) -> Any:
        response.headers["Content-Security-Policy"] = CSP
        return response

    with app.app_context():
        db.create_all()
        demo.load_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    screens = Path(
        os.environ.get("FESTIVAL_SCREENS")
        or Path(tempfile.gettempdir()) / "festival-screens"
    )
    screens.mkdir(parents=True, exist_ok=True)
    try:
        yield Live(app, f"http://127.0.0.1:{server.server_port}", screens)
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser(live: Live) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


class Visitor:
    """One signed-in browser user; collects console errors (e.g. CSP refusals)."""

    def __init__(self, browser: Any, live: Live, lang: str = "zh-CN") -> None:
        self.live = live
        self.context = browser.new_context(
            locale=lang, viewport={"width": 1366, "height": 900}
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda err: self.errors.append(str(err)))

    def _console(self, message: Any) -> None:
        # A page answered 404 or 422 on purpose is not a fault of the page.
        if message.type == "error" and not EXPECTED_STATUS.search(message.text):
            self.errors.append(message.text)

    def go(self, path: str) -> Any:
        return self.page.goto(self.live.url + path)

    def sign_in(self, email: str, password: str = "demo12345") -> "Visitor":
        self.go("/login")
        self.page.get_by_label(re.compile("邮箱|E-mail")).fill(email)
        self.page.get_by_label(re.compile("密码|Password")).fill(password)
        self.page.locator("form.stack button[type=submit]").click()
        self.page.wait_for_load_state()
        return self

    def shot(self, name: str) -> None:
        self.page.screenshot(
            path=str(self.live.screens / f"{name}.png"), full_page=True
        )

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visitor(browser: Any, live: Live) -> Iterator[Any]:
    opened: list[Visitor] = []

    def make(email: str, lang: str = "zh-CN") -> Visitor:
        v = Visitor(browser, live, lang).sign_in(email)
        opened.append(v)
        return v

    yield make
    for v in opened:
        v.close()
