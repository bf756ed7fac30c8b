"""Contested labels: an enterprise disputes a category, a regulator rules.

An enterprise may contest a category on a complaint forwarded to it, once at a
time per category. The contest remembers which classifier rules put the label
there (from the complaint's explanations; "manual" for a regulator's override).
Upholding keeps the label; otherwise the label goes (through the complaints
service) and any finding in that category is withdrawn. Rulings give each rule
its accuracy: how often its labels stood when contested.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.accounts import audit
from app.accounts.access import Actor
from app.clock import utcnow
from app.complaints import service as complaints
from app.complaints.models import Complaint
from app.complaints.scoping import scoped
from app.errors import Conflict, NotFound, field_error
from app.extensions import db
from app.oversight import flags, rollups
from app.oversight.models import Contest, Violation
from app.oversight.service import ACTIVE, record_withdrawal

MANUAL = "manual"  # a label a regulator added by hand: no rule behind it


def rules_behind(c: Complaint, category: str) -> list[str]:
    """Return the classifier rules whose hits put the category on the complaint."""
    hits = (c.classification or {}).get("explanations") or []
    found = sorted({h["rule"] for h in hits if h.get("category") == category})
    return found or [MANUAL]


def file_contest(
    actor: Actor,
    complaint_id: int,
    *,
    category: str,
    reason: str,
    now: datetime | None = None,
) -> Contest:
    """Let the enterprise dispute one category of a complaint forwarded to it."""
    now = now or utcnow()
    c = complaints.get_complaint(actor, complaint_id)
    if c.forwarded_at is None or c.enterprise_id is None:
        raise Conflict(
            "投诉尚未转交贵企业。", "The complaint has not been forwarded to you yet."
        )
    if category not in (c.labels or []):
        raise field_error(
            "category", "投诉当前不属于该类别。", "Not a current category."
        )
    if _open_contest(c.id, category) is not None:
        raise Conflict(
            "该类别已有待裁定的异议。", "A contest of this category is already open."
        )
    row = Contest(
        complaint_id=c.id,
        enterprise_id=c.enterprise_id,
        category=category,
        rules=rules_behind(c, category),
        reason=reason,
        status="open",
        filed_at=now,
        filed_by=actor.user_id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "contest.file",
        "complaint",
        c.id,
        after={"contest_id": row.id, "category": category, "rules": row.rules},
        note=reason,
        at=now,
    )
    db.session.commit()
    return row


def _open_contest(complaint_id: int, category: str) -> Contest | None:
    return db.session.scalar(
        select(Contest).where(
            Contest.complaint_id == complaint_id,
            Contest.category == category,
            Contest.status == "open",
        )
    )


def list_contests(actor: Actor, complaint_id: int) -> list[Contest]:
    """Return the contests of a complaint the actor may see."""
    c = complaints.get_complaint(actor, complaint_id)
    return list(
        db.session.scalars(
            select(Contest).where(Contest.complaint_id == c.id).order_by(Contest.id)
        )
    )


def list_open_contests(actor: Actor, *, limit: int = 200) -> list[Contest]:
    """Return the open contests on complaints the actor may see, oldest first."""
    visible = scoped(actor, select(Complaint.id))
    return list(
        db.session.scalars(
            select(Contest)
            .where(Contest.status == "open", Contest.complaint_id.in_(visible))
            .order_by(Contest.filed_at, Contest.id)
            .limit(limit)
        )
    )


def rule_on_contest(
    actor: Actor,
    complaint_id: int,
    *,
    category: str,
    upheld: bool,
    reason: str,
    now: datetime | None = None,
) -> Contest:
    """Decide an open contest: `upheld` keeps the label, otherwise it goes."""
    now = now or utcnow()
    c = complaints.get_complaint(actor, complaint_id)
    row = _open_contest(c.id, category)
    if row is None:
        raise NotFound("该类别没有待裁定的异议。", "No open contest of this category.")
    row.status = "upheld" if upheld else "overturned"
    row.ruled_at, row.ruled_by, row.ruling_reason = now, actor.user_id, reason
    audit.record(
        actor,
        "contest.rule",
        "complaint",
        c.id,
        before={"contest_id": row.id, "status": "open"},
        after={"contest_id": row.id, "status": row.status},
        note=reason,
        at=now,
    )
    if upheld:
        db.session.commit()
        return row
    for v in db.session.scalars(
        select(Violation).where(
            Violation.complaint_id == c.id,
            Violation.category == category,
            Violation.status == ACTIVE,
        )
    ):
        record_withdrawal(
            actor, v, f"异议成立，类别不成立 / contest ruled: {reason}", now
        )
    flags.recompute_flags(now, enterprise_ids=[row.enterprise_id])
    labels = [label for label in c.labels if label != category]
    # The complaints service owns labels: it records the override and commits.
    complaints.override_labels(
        actor,
        c.id,
        labels=labels,
        reason=f"异议裁定 / contest ruling: {reason}",
        now=now,
    )
    rollups.on_labels_changed(c.id, [*labels, category], labels)
    db.session.commit()
    return row


def rule_accuracy(*, category: str | None = None) -> list[dict[str, Any]]:
    """Per rule: how often the labels its hits produced were upheld when contested."""
    stmt = select(Contest)
    if category:
        stmt = stmt.where(Contest.category == category)
    table: dict[tuple[str, str], dict[str, int]] = {}
    for row in db.session.scalars(stmt):
        for rule in row.rules or [MANUAL]:
            tally = table.setdefault(
                (rule, row.category), {"open": 0, "upheld": 0, "overturned": 0}
            )
            tally[row.status] += 1
    out = []
    for (rule, cat), tally in sorted(table.items()):
        ruled = tally["upheld"] + tally["overturned"]
        out.append(
            {
                "rule": rule,
                "pack_id": rule.split(".", 1)[0] if rule != MANUAL else None,
                "category": cat,
                **tally,
                "ruled": ruled,
                "accuracy": round(tally["upheld"] / ruled, 4) if ruled else None,
            }
        )
    return out
