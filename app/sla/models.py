"""SLA tables: pauses, policies, calendar overrides, deadlines, breaches, outbox.

A deadline row holds one clock of one complaint with its due instant and the
instant it turns at risk, both precomputed, so that a sweep over a million open
clocks is a pair of indexed UPDATEs. Its policy is the one chosen when the clock
started (stored once per distinct choice): editing a policy later does not move
deadlines already running. Breaches and notices are unique per clock.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.db_types import UTCDateTime
from app.extensions import db


class SlaPause(db.Model):  # type: ignore[name-defined]
    """An interval in which a complaint's clocks stand still (Art. 19, 20, info)."""

    __tablename__ = "sla_pauses"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)


class SlaPolicy(db.Model):  # type: ignore[name-defined]
    """A configured period; campaign and category narrow whom it applies to."""

    __tablename__ = "sla_policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    target: Mapped[str] = mapped_column(String(32), index=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id"), index=True
    )
    category: Mapped[str | None] = mapped_column(String(64))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    amount: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16))
    legal_basis: Mapped[str] = mapped_column(String(300))
    roll_to_workday: Mapped[bool] = mapped_column(Boolean, default=False)
    at_risk_percent: Mapped[int] = mapped_column(Integer, default=20)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CalendarOverrideDay(db.Model):  # type: ignore[name-defined]
    """An admin's word on one date, winning over chinesecalendar."""

    __tablename__ = "calendar_overrides"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(Integer)


class CalendarYear(db.Model):  # type: ignore[name-defined]
    """A year beyond the library's data that an admin has entered in full."""

    __tablename__ = "calendar_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    note: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(Integer)


class SlaPolicyChoice(db.Model):  # type: ignore[name-defined]
    """A policy as clocks started with it, and why it was chosen (content-keyed).

    Thousands of clocks share one choice, so it is stored once, not per clock.
    """

    __tablename__ = "sla_policy_choices"
    key: Mapped[str] = mapped_column(String(16), primary_key=True)
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)  # Policy.to_dict()
    selection: Mapped[dict[str, Any]] = mapped_column(JSON)  # Choice.to_dict()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ComplaintDeadline(db.Model):  # type: ignore[name-defined]
    """One SLA clock of one complaint, as of `updated_at`."""

    __tablename__ = "complaint_deadlines"
    __table_args__ = (
        UniqueConstraint("complaint_id", "target"),
        # The sweep's two scans: due clocks, and clocks entering their risk window.
        Index("ix_complaint_deadlines_state_due", "state", "due_at"),
        Index("ix_complaint_deadlines_state_at_risk", "state", "at_risk_at"),
        Index("ix_complaint_deadlines_choice_started", "choice_key", "started_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    target: Mapped[str] = mapped_column(String(32))
    policy_code: Mapped[str] = mapped_column(String(64))
    policy_id: Mapped[int | None] = mapped_column(Integer)  # None: built-in default
    choice_key: Mapped[str] = mapped_column(ForeignKey("sla_policy_choices.key"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    at_risk_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(20))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str | None] = mapped_column(String(8))  # done | ended
    pause_count: Mapped[int] = mapped_column(Integer, default=0)
    remaining_seconds: Mapped[int | None] = mapped_column(BigInteger)
    days_left: Mapped[int | None] = mapped_column(Integer)
    overdue_seconds: Mapped[int | None] = mapped_column(BigInteger)
    unknown_year: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SlaBreach(db.Model):  # type: ignore[name-defined]
    """A clock that passed its due instant, recorded once.

    `overdue_seconds` is the lateness when recorded, replaced by the final figure
    once the late step is taken (`resolved_at`).
    """

    __tablename__ = "sla_breaches"
    __table_args__ = (UniqueConstraint("complaint_id", "target"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    target: Mapped[str] = mapped_column(String(32))
    policy_code: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    overdue_seconds: Mapped[int] = mapped_column(BigInteger)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxNotice(db.Model):  # type: ignore[name-defined]
    """A notice to deliver over one channel; `key` makes queueing idempotent.

    Delivery claims a row (`claimed_by`, `claimed_at`) before sending, so two
    scheduler processes never send the same notice; a claim older than the
    timeout is taken to belong to a dead process and may be taken over.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # kind:complaint:target:channel, or calendar_unknown:year:channel
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    complaint_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaints.id"), index=True
    )
    target: Mapped[str | None] = mapped_column(String(32))
    year: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recipient: Mapped[str | None] = mapped_column(String(254))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
