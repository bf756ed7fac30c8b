"""SLA notices: queue them in the outbox once, deliver them by webhook and e-mail.

Queueing is an INSERT keyed by kind, clock and channel that skips existing keys,
so a notice is queued once however often the sweep runs. Delivery first claims
rows with one atomic UPDATE and then sends only what it claimed, so two scheduler
processes never send a notice twice. A failed send is retried with exponential
backoff until SLA_OUTBOX_MAX_ATTEMPTS; a channel that is not configured, or a
notice without a recipient, is marked skipped with the reason.
"""

import http.client
import json
import os
import smtplib
import socket
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    cast,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)

from app.complaints.models import Complaint
from app.db_types import UTCDateTime
from app.extensions import conflict_insert, db
from app.pledges.models import Enterprise
from app.sla import notices, timeline
from app.sla.models import ComplaintDeadline, OutboxNotice, SlaPolicyChoice
from app.sla.notices import Channel, DeliveryStatus, NoticeFacts, NoticeKind
from app.sla.policies import PolicyTarget

D, Q = ComplaintDeadline, OutboxNotice
PENDING = str(DeliveryStatus.PENDING)
_COLUMNS = [
    "key",
    "kind",
    "channel",
    "complaint_id",
    "target",
    "created_at",
    "status",
    "attempts",
    "next_attempt_at",
]


@dataclass(frozen=True)
class DeliverySettings:
    webhook_url: str | None = None
    webhook_secret: str | None = None
    mail_server: str | None = None
    mail_port: int = 25
    mail_from: str = "sla@localhost"
    mail_use_tls: bool = False
    mail_username: str | None = None
    mail_password: str | None = None
    regulator_email: str | None = None
    timeout: float = 10.0
    max_attempts: int = 8
    backoff_base: timedelta = timedelta(minutes=1)
    claim_timeout: timedelta = timedelta(minutes=15)
    batch: int = 20

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "DeliverySettings":
        """Read the SLA_* and MAIL_* settings, with the defaults above."""
        return cls(
            webhook_url=config.get("SLA_WEBHOOK_URL") or None,
            webhook_secret=config.get("SLA_WEBHOOK_SECRET") or None,
            mail_server=config.get("MAIL_SERVER") or None,
            mail_port=int(config.get("MAIL_PORT") or 25),
            mail_from=config.get("MAIL_FROM") or cls.mail_from,
            mail_use_tls=bool(config.get("MAIL_USE_TLS", False)),
            mail_username=config.get("MAIL_USERNAME") or None,
            mail_password=config.get("MAIL_PASSWORD") or None,
            regulator_email=config.get("SLA_REGULATOR_EMAIL") or None,
            timeout=float(config.get("SLA_DELIVERY_TIMEOUT_SECONDS") or 10),
            max_attempts=int(config.get("SLA_OUTBOX_MAX_ATTEMPTS") or 8),
            backoff_base=timedelta(
                seconds=int(config.get("SLA_OUTBOX_BACKOFF_SECONDS") or 60)
            ),
            claim_timeout=timedelta(
                seconds=int(config.get("SLA_OUTBOX_CLAIM_TIMEOUT_SECONDS") or 900)
            ),
            batch=int(config.get("SLA_OUTBOX_BATCH") or 20),
        )


class Undeliverable(Exception):
    """The notice cannot be sent as configured; retrying will not help."""


# Queueing --------------------------------------------------------------------


def insert_ignoring(model: Any) -> Any:
    """Return an INSERT for `model` that can skip rows clashing with a unique key."""
    stmt = conflict_insert(model)
    # Drivers report an INSERT's row count only if asked to keep it.
    return stmt.execution_options(preserve_rowcount=True)


def rowcount(result: Any) -> int:
    """Return how many rows a statement touched (0 when the driver cannot say)."""
    return max(int(getattr(result, "rowcount", 0) or 0), 0)


def queue_notices(kind: NoticeKind, where: ColumnElement[bool], now: datetime) -> int:
    """Queue a `kind` notice on every channel for each matching clock, once."""
    # One pass over the clocks, crossed with the channels.
    names = [select(literal(str(c), String).label("name")) for c in Channel]
    channel = union_all(*names).subquery("channel")
    key = (
        literal(f"{kind}:")
        + cast(D.complaint_id, String)
        + literal(":")
        + D.target
        + literal(":")
        + channel.c.name
    )
    rows = (
        select(
            key,
            literal(str(kind)),
            channel.c.name,
            D.complaint_id,
            D.target,
            literal(now, UTCDateTime()),
            literal(PENDING),
            literal(0),
            literal(now, UTCDateTime()),
        )
        .select_from(D)
        .join(channel, true())
        .where(where)
    )
    stmt = insert_ignoring(Q).from_select(_COLUMNS, rows)
    stmt = stmt.on_conflict_do_nothing(index_elements=["key"])
    return rowcount(db.session.execute(stmt))


def queue_calendar_alerts(years: Iterable[int], now: datetime) -> int:
    """Queue one alert per uncovered year on every channel, once."""
    values = [
        {
            "key": f"{NoticeKind.CALENDAR_UNKNOWN}:{year}:{channel}",
            "kind": str(NoticeKind.CALENDAR_UNKNOWN),
            "channel": str(channel),
            "year": year,
            "created_at": now,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
        }
        for year in sorted(set(years))
        for channel in Channel
    ]
    if not values:
        return 0
    stmt = (
        insert_ignoring(Q).values(values).on_conflict_do_nothing(index_elements=["key"])
    )
    return rowcount(db.session.execute(stmt))


# Delivery --------------------------------------------------------------------


def deliver_outbox(
    now: datetime, *, worker: str | None = None, limit: int = 1000
) -> dict[str, int]:
    """Send due notices that this worker manages to claim; return counts by outcome."""
    settings = DeliverySettings.from_config(current_app.config)
    me = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    counts: Counter[str] = Counter()
    while counts["claimed"] < limit:
        claimed = _claim(
            now, me, min(settings.batch, limit - counts["claimed"]), settings
        )
        if claimed is None:
            break
        counts["claimed"] += len(claimed)
        for notice in claimed:
            counts[_deliver(notice, me, now, settings)] += 1
    return {k: counts[k] for k in ("claimed", "sent", "retry", "failed", "skipped")}


def _claim(
    now: datetime, me: str, n: int, settings: DeliverySettings
) -> list[OutboxNotice] | None:
    """Claim up to n due rows; None when none are left to claim."""
    stale = now - settings.claim_timeout
    claimable = and_(
        Q.status == PENDING,
        Q.next_attempt_at <= now,
        or_(Q.claimed_by.is_(None), Q.claimed_at < stale),
    )
    # On PostgreSQL the rows are locked as they are picked and other workers skip
    # them; SQLite has one writer, and the UPDATE re-checks the condition, so of
    # two workers that picked the same ids only the first to write gets them and
    # the other claims fewer (maybe none) and picks again.
    picked = db.session.scalars(
        select(Q.id)
        .where(claimable)
        .order_by(Q.id)
        .limit(n)
        .with_for_update(skip_locked=True)
    ).all()
    if not picked:
        db.session.commit()
        return None
    db.session.execute(
        update(Q)
        .where(Q.id.in_(picked), claimable)
        .values(claimed_by=me, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    mine = select(Q).where(Q.id.in_(picked), Q.claimed_by == me, Q.status == PENDING)
    return list(db.session.scalars(mine.order_by(Q.id)))


def _deliver(
    notice: OutboxNotice, me: str, now: datetime, settings: DeliverySettings
) -> str:
    facts = _facts(notice)
    try:
        if notice.channel == Channel.WEBHOOK:
            recipient = settings.webhook_url
            send_webhook(settings, _payload(notice, facts))
        else:
            if not settings.mail_server:
                raise Undeliverable("MAIL_SERVER is not set")
            recipient = _recipient(notice, settings)
            send_email(settings, recipient, facts)
    except Undeliverable as exc:
        return _settle(notice, me, DeliveryStatus.SKIPPED, now, error=str(exc))
    except (OSError, http.client.HTTPException) as exc:
        attempts = notice.attempts + 1
        if attempts >= settings.max_attempts:
            return _settle(notice, me, DeliveryStatus.FAILED, now, error=repr(exc))
        wait = notices.backoff(attempts, base=settings.backoff_base)
        _update(
            notice,
            me,
            attempts=attempts,
            last_error=repr(exc)[:2000],
            next_attempt_at=now + wait,
            claimed_by=None,
            claimed_at=None,
        )
        return "retry"
    return _settle(notice, me, DeliveryStatus.SENT, now, recipient=recipient)


def _settle(
    notice: OutboxNotice,
    me: str,
    status: DeliveryStatus,
    now: datetime,
    *,
    error: str | None = None,
    recipient: str | None = None,
) -> str:
    values: dict[str, Any] = {"status": str(status), "attempts": notice.attempts + 1}
    if status is DeliveryStatus.SENT:
        values |= {"sent_at": now, "recipient": recipient}
    if error is not None:
        values["last_error"] = error[:2000]
    _update(notice, me, **values)
    return str(status)


def _update(notice: OutboxNotice, me: str, **values: Any) -> None:
    # Only the claimant may settle a row; after a takeover the old claimant's
    # late result is dropped.
    db.session.execute(
        update(Q)
        .where(Q.id == notice.id, Q.claimed_by == me)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _facts(notice: OutboxNotice) -> NoticeFacts:
    kind = NoticeKind(notice.kind)
    if kind is NoticeKind.CALENDAR_UNKNOWN:
        return NoticeFacts(kind, year=notice.year)
    number = db.session.scalar(
        select(Complaint.number).where(Complaint.id == notice.complaint_id)
    )
    row = db.session.scalar(
        select(D).where(
            D.complaint_id == notice.complaint_id, D.target == notice.target
        )
    )
    snapshot = (
        db.session.get(SlaPolicyChoice, row.choice_key) if row is not None else None
    )
    policy = snapshot.policy if snapshot is not None else {}
    return NoticeFacts(
        kind,
        complaint_number=number,
        policy_name_zh=policy.get("name_zh", notice.target),
        policy_name_en=policy.get("name_en", notice.target),
        due_at=row.due_at if row is not None else None,
    )


def _payload(notice: OutboxNotice, facts: NoticeFacts) -> dict[str, Any]:
    return {
        "id": notice.id,
        "key": notice.key,
        "kind": notice.kind,
        "complaint_id": notice.complaint_id,
        "complaint_number": facts.complaint_number,
        "target": notice.target,
        "year": notice.year,
        "due_at": facts.due_at.isoformat() if facts.due_at else None,
        "queued_at": notice.created_at.isoformat(),
        "subject": notices.subject(facts),
        "text": notices.body(facts),
    }


def _recipient(notice: OutboxNotice, settings: DeliverySettings) -> str:
    if notice.target is not None and (
        PolicyTarget(notice.target) in timeline.ENTERPRISE_TARGETS
    ):
        email = db.session.scalar(
            select(Enterprise.contact_email)
            .join(Complaint, Complaint.enterprise_id == Enterprise.id)
            .where(Complaint.id == notice.complaint_id)
        )
        if not email:
            raise Undeliverable("the enterprise has no contact_email")
        return str(email)
    if not settings.regulator_email:
        raise Undeliverable("SLA_REGULATOR_EMAIL is not set")
    return settings.regulator_email


def send_webhook(settings: DeliverySettings, payload: Mapping[str, Any]) -> None:
    """POST the payload as JSON, signed with HMAC-SHA256 over the exact body."""
    if not settings.webhook_url:
        raise Undeliverable("SLA_WEBHOOK_URL is not set")
    if not settings.webhook_secret:
        raise Undeliverable("SLA_WEBHOOK_SECRET is not set; refusing to send unsigned")
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    request = urllib.request.Request(
        settings.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            notices.SIGNATURE_HEADER: notices.sign(body, settings.webhook_secret),
            "X-SLA-Delivery": str(payload["key"]),
            "X-SLA-Event": str(payload["kind"]),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        exc.close()  # a non-2xx answer: its body is not needed, its socket is
        raise


def send_email(settings: DeliverySettings, recipient: str, facts: NoticeFacts) -> None:
    """Send a plain-text notice over SMTP."""
    if not settings.mail_server:
        raise Undeliverable("MAIL_SERVER is not set")
    message = EmailMessage()
    message["Subject"] = notices.subject(facts)
    message["From"] = settings.mail_from
    message["To"] = recipient
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2])
    message.set_content(notices.body(facts))
    with smtplib.SMTP(
        settings.mail_server, settings.mail_port, timeout=settings.timeout
    ) as smtp:
        if settings.mail_use_tls:
            smtp.starttls()
        if settings.mail_username and settings.mail_password:
            smtp.login(settings.mail_username, settings.mail_password)
        smtp.send_message(message)
