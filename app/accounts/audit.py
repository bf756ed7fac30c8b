"""Writing and checking the audit trail (append-only, hash-chained).

`record` runs inside the caller's transaction, so an audited change and its
entry commit or roll back together. The chain head is a single row updated
first, which takes the write lock (SQLite) or row lock (PostgreSQL) and so
serialises concurrent writers on the chain.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select, update

from app.accounts import chain
from app.accounts.access import Actor
from app.accounts.models import AuditEntry, AuditHead
from app.clock import utcnow
from app.extensions import db, insert_rows

_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    if type(value) in _SCALARS:  # most values: nothing to convert
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _content(e: Any, at: str | None = None) -> dict[str, Any]:
    # `e` is a stored AuditEntry or the values of a new one: the hash covers
    # the same fields either way. `at` is e.at in ISO form, when known.
    return {
        "seq": e.seq,
        "at": at or e.at.isoformat(),
        "actor_user_id": e.actor_user_id,
        "actor_role": e.actor_role,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "before": e.before,
        "after": e.after,
        "note": e.note,
    }


@dataclass(frozen=True)
class Change:
    """One audited change, for `record_many`."""

    action: str
    object_type: str
    object_id: Any
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    note: str | None = None


def record(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> None:
    """Append one entry to the chain in the current transaction."""
    record_many(
        actor, [Change(action, object_type, object_id, before, after, note)], at=at
    )


def record_many(
    actor: Actor, changes: Sequence[Change], *, at: datetime | None = None
) -> None:
    """Append one entry per change, chained in order, taking the head once.

    The entries are written with one INSERT (not as ORM objects): filing a
    batch of complaints appends hundreds at a time.
    """
    head = _lock_head()
    seq, prev = head.seq, head.hash
    when = (at or utcnow()).replace(microsecond=0)
    when_text = when.isoformat()
    entries = []
    for change in changes:
        seq += 1
        entry = SimpleNamespace(
            seq=seq,
            at=when,
            actor_user_id=actor.user_id,
            actor_role=str(actor.role),
            action=change.action,
            object_type=change.object_type,
            object_id=None if change.object_id is None else str(change.object_id),
            before=_plain(change.before),
            after=_plain(change.after),
            note=change.note,
            prev_hash=prev,
        )
        entry.hash = prev = chain.entry_hash(prev, _content(entry, when_text))
        entries.append(vars(entry))
    if not entries:
        return
    insert_rows(AuditEntry.__table__, entries)
    db.session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev),
        execution_options={"synchronize_session": False},
    )


def _lock_head() -> AuditHead:
    # One UPDATE ... RETURNING both takes the row (write) lock and reads the
    # head, so concurrent writers queue here rather than fork the chain.
    row = db.session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq)
        .returning(AuditHead.seq, AuditHead.hash),
        execution_options={"synchronize_session": False},
    ).first()
    if row is None:
        db.session.add(AuditHead(id=1, seq=0, hash=chain.GENESIS))
        db.session.flush()
        return AuditHead(id=1, seq=0, hash=chain.GENESIS)
    return AuditHead(id=1, seq=row.seq, hash=row.hash)


def verify() -> chain.ChainBreak | None:
    """Walk the whole chain; return the first broken entry or None."""
    rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(
        1000
    )
    found = chain.verify((e.seq, e.prev_hash, e.hash, _content(e)) for e in rows)
    if found is None:
        head = db.session.get(AuditHead, 1)
        last = db.session.scalar(
            select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)
        )
        if head is not None and (last is None or last.seq != head.seq):
            return chain.ChainBreak(
                head.seq, "entries deleted from the end of the chain"
            )
    return found
