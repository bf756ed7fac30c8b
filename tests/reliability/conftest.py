"""Shared helpers of the reliability tests: row counts, the error shape, and
fresh databases for tests that run the app in other processes."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app.accounts.models import AuditEntry, User
from app.complaints.models import (
    Attachment,
    Complaint,
    ComplaintEvent,
    ComplaintMessage,
    IdempotencyKey,
)
from app.extensions import db
from app.pledges.models import Campaign, Enterprise
from tests import builders as b

ERROR_KEYS = {"code", "status", "reason", "message", "errors"}
COUNTED = (
    Complaint,
    ComplaintEvent,
    ComplaintMessage,
    Attachment,
    IdempotencyKey,
    AuditEntry,
    Enterprise,
    Campaign,
)


def counts() -> dict[str, int]:
    """Row counts of every table a write endpoint may touch."""
    db.session.rollback()
    return {
        m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) or 0
        for m in COUNTED
    }


def assert_error_shape(resp: Any) -> None:
    assert resp.status_code < 500, (resp.status_code, resp.get_data()[:500])
    body = resp.get_json(silent=True)
    assert isinstance(body, dict), resp.get_data()[:300]
    assert set(body) == ERROR_KEYS, body
    assert body["code"] == resp.status_code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict)


@dataclass
class People:
    assoc_user: User
    assoc: dict[str, str]
    enterprise: dict[str, str]
    regional: dict[str, str]
    national: dict[str, str]
    admin: dict[str, str]
    jd_id: int


@pytest.fixture
def people(app) -> People:
    jd = b.jd()
    b.region("410100", "郑州市", "city", "410000")
    assoc_user = b.user(
        "association", b.organisation("association", region_code="410100"), None
    )
    regional = b.user(
        "regional_regulator", b.organisation("authority", region_code="410100"), None
    )
    national = b.user(
        "national_regulator", b.organisation("authority", region_code=None), None
    )
    return People(
        assoc_user=assoc_user,
        assoc=b.bearer(assoc_user),
        enterprise=b.bearer(b.user("enterprise", jd, None)),
        regional=b.bearer(regional),
        national=b.bearer(national),
        admin=b.bearer(b.user("admin", None, None)),
        jd_id=jd.id,
    )


# Other processes -------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database for other processes: a SQLite file, or a new PostgreSQL one."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield "sqlite:///" + str(tmp_path / "fresh.sqlite3")
        return
    name = "rel_" + uuid.uuid4().hex[:10]
    admin = create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def process_env(url: str, tmp: Path) -> dict[str, str]:
    """The environment of an app process on `url`, uploads kept under `tmp`."""
    env = os.environ | {
        "DATABASE_URL": url,
        "FLASK_APP": "wsgi",
        "FLASK_UPLOAD_DIR": str(tmp / "uploads"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("FLASK_DATABASE_URL", None)
    return env


def run_flask(env: dict[str, str], *args: str) -> str:
    """Run one `flask` command in its own process; return what it printed."""
    run = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, (args, run.stdout, run.stderr)
    return run.stdout


SETUP = """
from app import create_app
runner = create_app().test_cli_runner()
for args in (["db", "upgrade"], ["demo", "load"],
             ["tokens", "create", "association@demo.local"]):
    result = runner.invoke(args=args)
    assert result.exit_code == 0, (args, result.output, result.exception)
    print(result.output)
"""


def setup_database(env: dict[str, str]) -> str:
    """`flask db upgrade`, `demo load`, `tokens create` in one interpreter; the token."""
    run = subprocess.run(
        [sys.executable, "-c", SETUP],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, (run.stdout[-2000:], run.stderr[-2000:])
    return run.stdout.strip().splitlines()[-1]
