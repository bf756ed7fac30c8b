"""Shared helpers of the reliability tests: row counts and the error shape."""

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

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
