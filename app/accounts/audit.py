"""Writing and checking the audit trail (append-only, hash-chained).

`record` runs inside the caller's transaction, so an audited change and its
entry commit or roll back together. The chain head is a single row updated
first, which takes the write lock (SQLite) or row lock (PostgreSQL) and so
serialises concurrent writers on the chain.
"""

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select, update

from app.accounts import chain
from app.accounts.access import Actor
from app.accounts.models import AuditEntry, AuditHead
from app.clock import utcnow
from app.extensions import db


def _plain(value: Any) -> Any:
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


def _content(e: AuditEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at.isoformat(),
        "actor_user_id": e.actor_user_id,
        "actor_role": e.actor_role,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "before": e.before,
        "after": e.after,
        "note": e.note,
    }


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
) -> AuditEntry:
    """Append one entry to the chain in the current transaction."""
    head = _lock_head()
    entry = AuditEntry(
        seq=head.seq + 1,
        at=(at or utcnow()).replace(microsecond=0),
        actor_user_id=actor.user_id,
        actor_role=str(actor.role),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=_plain(before),
        after=_plain(after),
        note=note,
        prev_hash=head.hash,
        hash="",
    )
    entry.hash = chain.entry_hash(entry.prev_hash, _content(entry))
    db.session.add(entry)
    db.session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=entry.seq, hash=entry.hash),
        execution_options={"synchronize_session": False},
    )
    return entry


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
