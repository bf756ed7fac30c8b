"""The SLA sweep: find clocks that passed their due or at-risk instant, in bulk.

Due and at-risk instants are stored when a clock is (re)computed, so the sweep
needs no calendar arithmetic: a clock still running whose due instant has passed
is breached; one whose at-risk instant has passed is at risk. Each newly breached
clock gets one `sla_breaches` row and one notice per channel; each clock entering
its risk window gets one reminder. Given the same `now` it is idempotent, and two
sweeps running at once record nothing twice (unique keys; on PostgreSQL an
advisory lock also serialises them).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    text,
    update,
)

from app.db_types import UTCDateTime
from app.extensions import db, dialect_name
from app.sla import notify
from app.sla.clock import SlaState
from app.sla.models import ComplaintDeadline, SlaBreach
from app.sla.notices import NoticeKind

D = ComplaintDeadline
RUNNING = (str(SlaState.ON_TRACK), str(SlaState.AT_RISK))
_SWEEP_LOCK = 0x51A5  # any constant shared by every sweeping process


def sweep(now: datetime) -> dict[str, int]:
    """Mark breached and at-risk clocks, record breaches and queue notices once."""
    _serialise()
    due = and_(D.state.in_(RUNNING), D.completed_at.is_(None), D.due_at <= now)
    # Record first, while the predicate still finds the rows, then flip them.
    recorded = record_breaches(due, now)
    breach_notices = notify.queue_notices(NoticeKind.BREACH, due, now)
    breached = _set_state(due, SlaState.BREACHED, now, remaining_seconds=0, days_left=0)
    risky = and_(
        D.state == str(SlaState.ON_TRACK),
        D.completed_at.is_(None),
        D.at_risk_at <= now,
        D.due_at > now,
    )
    reminders = notify.queue_notices(NoticeKind.AT_RISK, risky, now)
    at_risk = _set_state(risky, SlaState.AT_RISK, now)
    alerts = notify.queue_calendar_alerts(unknown_years(), now)
    db.session.commit()
    return {
        "breached": breached,
        "breaches_recorded": recorded,
        "at_risk": at_risk,
        "notices_queued": breach_notices + reminders + alerts,
    }


def record_breaches(where: ColumnElement[bool], now: datetime) -> int:
    """Insert one breach row per matching late clock that has none yet."""
    dialect = dialect_name()
    now_epoch = int(now.timestamp())
    # Lateness so far for an open clock, final lateness for a completed one.
    until = case(
        (D.completed_at.is_(None), literal(now_epoch)),
        else_=_epoch(D.completed_at, dialect),
    )
    rows = select(
        D.complaint_id,
        D.target,
        D.policy_code,
        D.due_at,
        literal(now, UTCDateTime()),
        until - _epoch(D.due_at, dialect),
        D.completed_at,
    ).where(where, D.due_at.is_not(None))
    columns = [
        "complaint_id",
        "target",
        "policy_code",
        "due_at",
        "recorded_at",
        "overdue_seconds",
        "resolved_at",
    ]
    stmt = notify.insert_ignoring(SlaBreach).from_select(columns, rows)
    stmt = stmt.on_conflict_do_nothing(index_elements=["complaint_id", "target"])
    return notify.rowcount(db.session.execute(stmt))


def unknown_years() -> list[int]:
    """List the uncovered years that some clock is waiting for."""
    # Only these two states carry an unknown year; the state index finds them.
    waiting = (str(SlaState.CALENDAR_UNKNOWN), str(SlaState.PAUSED))
    stmt = (
        select(D.unknown_year)
        .where(D.state.in_(waiting), D.unknown_year.is_not(None))
        .distinct()
    )
    return sorted(y for y in db.session.scalars(stmt) if y is not None)


def _set_state(
    where: ColumnElement[bool], state: SlaState, now: datetime, **values: Any
) -> int:
    stmt = (
        update(D)
        .where(where)
        .values(state=str(state), updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return notify.rowcount(db.session.execute(stmt))


def _epoch(column: Any, dialect: str) -> ColumnElement[int]:
    # Seconds since 1970 of a stored instant; SQLite keeps naive UTC text.
    if dialect == "postgresql":
        return cast(func.floor(func.extract("epoch", column)), BigInteger)
    return cast(func.strftime("%s", column), BigInteger)


def _serialise() -> None:
    # Row-level locks and unique keys already prevent double records; the lock
    # keeps two sweeps from deadlocking on each other's inserts. SQLite needs
    # none: it has a single writer.
    if dialect_name() == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SWEEP_LOCK})
