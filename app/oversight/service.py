"""Violations: a regulator's findings that a complaint shows a banned practice.

A regulator substantiates a complaint in categories it currently carries (as
classified or overridden); each becomes a violation citing the enterprise's
pledge clauses for the campaign and the legal provisions in force on the day of
the conduct (purchase date, else the day received). A rejected or withdrawn
complaint cannot be substantiated. Findings can be withdrawn with a reason;
either way the enterprise's flags are re-judged at once.
"""

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select

from app.accounts import audit
from app.accounts.access import Actor
from app.clock import utcnow
from app.complaints import lifecycle
from app.complaints import service as complaints
from app.complaints.models import Complaint
from app.complaints.scoping import scoped
from app.errors import Conflict, NotFound, field_error
from app.extensions import db
from app.fields import SHANGHAI
from app.oversight import flags
from app.oversight.models import Violation, ViolationClause
from app.pagination import paginate
from app.pledges.models import Obligation, Pledge
from app.rules import packs as rule_packs
from app.rules import service as rules
from app.rules.classification import basis_to_dict

ACTIVE, WITHDRAWN = "active", "withdrawn"
CLOSED_TO_FINDINGS = {lifecycle.Status.REJECTED, lifecycle.Status.WITHDRAWN}


def conduct_date(c: Complaint) -> date:
    """Return the day of the conduct: the purchase date, else the day received."""
    return c.purchase_date or c.received_at.astimezone(SHANGHAI).date()


def _packs() -> dict[str, rule_packs.RulePack]:
    return {p.category: p for p in rules.list_packs()}


def _pledge_for(c: Complaint) -> Pledge | None:
    if c.campaign_id is None or c.enterprise_id is None:
        return None
    return db.session.scalar(
        select(Pledge)
        .where(
            Pledge.campaign_id == c.campaign_id,
            Pledge.enterprise_id == c.enterprise_id,
            Pledge.signed_at.is_not(None),
        )
        .order_by(Pledge.signed_at.desc(), Pledge.id.desc())
        .limit(1)
    )


def substantiate(
    actor: Actor,
    complaint_id: int,
    *,
    categories: Sequence[str],
    note: str | None = None,
    now: datetime | None = None,
) -> list[Violation]:
    """Record violations for categories the complaint carries; all or nothing.

    Raises:
        NotFound: the complaint is not visible to the actor.
        Conflict: it was rejected or withdrawn, has no enterprise, or a category
            is already substantiated.
        Invalid: a category the complaint was not classified or overridden into.
    """
    now = now or utcnow()
    c = complaints.get_complaint(actor, complaint_id)
    status = lifecycle.Status(c.status)
    if status in CLOSED_TO_FINDINGS:
        raise Conflict(
            f"投诉状态为“{status.zh}”，不能认定违法行为。",
            f"The complaint is {status.en}; no violation can be substantiated.",
            reason="complaint_not_substantiable",
        )
    if c.enterprise_id is None:
        raise Conflict(
            "请先为该投诉确定被投诉企业。",
            "Match the complaint to an enterprise first.",
            reason="needs_matching",
        )
    wanted = list(dict.fromkeys(categories))
    if not wanted:
        raise field_error("categories", "请至少选择一个类别。", "Give one category.")
    outside = [cat for cat in wanted if cat not in (c.labels or [])]
    if outside:
        raise field_error(
            "categories",
            f"投诉当前不属于以下类别：{'、'.join(outside)}。",
            f"Not among the complaint's current categories: {', '.join(outside)}.",
        )
    taken = set(
        db.session.scalars(
            select(Violation.category).where(
                Violation.complaint_id == c.id,
                Violation.category.in_(wanted),
                Violation.status == ACTIVE,
            )
        )
    )
    if taken:
        raise Conflict(
            f"以下类别已认定：{'、'.join(sorted(taken))}。",
            f"Already substantiated: {', '.join(sorted(taken))}.",
            reason="already_substantiated",
        )
    packs, pledge, day = _packs(), _pledge_for(c), conduct_date(c)
    created = [
        _violation(actor, c, packs[cat], pledge, day, note, now) for cat in wanted
    ]
    flags.recompute_flags(now, enterprise_ids=[c.enterprise_id])
    db.session.commit()
    return created


def _violation(
    actor: Actor,
    c: Complaint,
    pack: rule_packs.RulePack,
    pledge: Pledge | None,
    day: date,
    note: str | None,
    now: datetime,
) -> Violation:
    basis = [basis_to_dict(b) for b in rule_packs.legal_basis_on(pack, day)]
    obligations: dict[int, int] = {}
    if pledge is not None:
        obligations = dict(
            iter(
                db.session.execute(
                    select(Obligation.clause_number, Obligation.id).where(
                        Obligation.pledge_id == pledge.id,
                        Obligation.clause_number.in_(pack.pledge_clauses),
                    )
                )
            )
        )
    v = Violation(
        complaint_id=c.id,
        enterprise_id=c.enterprise_id,
        campaign_id=c.campaign_id,
        pledge_id=pledge.id if pledge else None,
        category=pack.category,
        severity=pack.severity,
        conduct_date=day,
        legal_basis=basis,
        status=ACTIVE,
        note=note,
        substantiated_at=now,
        substantiated_by=actor.user_id,
        clauses=[
            ViolationClause(clause_number=n, obligation_id=obligations.get(n))
            for n in pack.pledge_clauses
        ],
    )
    db.session.add(v)
    db.session.flush()
    audit.record(
        actor,
        "violation.substantiate",
        "violation",
        v.id,
        after={
            "complaint_id": c.id,
            "category": v.category,
            "conduct_date": day,
            "pledge_id": v.pledge_id,
            "clauses": list(pack.pledge_clauses),
            "legal_basis": [f"{b['law']} {b['article']}" for b in basis],
        },
        note=note,
        at=now,
    )
    return v


def scoped_violations(actor: Actor) -> Select[Any]:
    """Select the violations on complaints the actor may see."""
    stmt = select(Violation).join(Complaint, Complaint.id == Violation.complaint_id)
    return scoped(actor, stmt)


def list_violations(
    actor: Actor, *, filters: Mapping[str, Any], page: int, per_page: int
) -> dict[str, Any]:
    """Page through visible violations, newest first."""
    stmt = scoped_violations(actor)
    for key in ("enterprise_id", "campaign_id", "category", "status", "complaint_id"):
        if filters.get(key) is not None:
            stmt = stmt.where(getattr(Violation, key) == filters[key])
    if filters.get("date_from"):
        stmt = stmt.where(Violation.conduct_date >= filters["date_from"])
    if filters.get("date_to"):
        stmt = stmt.where(Violation.conduct_date <= filters["date_to"])
    return paginate(stmt.order_by(Violation.id.desc()), page=page, per_page=per_page)


def complaint_violations(actor: Actor, complaint_id: int) -> list[Violation]:
    """Return every finding (active or withdrawn) on a complaint the actor sees."""
    c = complaints.get_complaint(actor, complaint_id)
    stmt = select(Violation).where(Violation.complaint_id == c.id)
    return list(db.session.scalars(stmt.order_by(Violation.id)))


def withdraw_violation(
    actor: Actor, violation_id: int, *, reason: str, now: datetime | None = None
) -> Violation:
    """Withdraw a finding with the reason recorded.

    Raises:
        NotFound: not visible to the actor. Conflict: already withdrawn.
    """
    now = now or utcnow()
    v: Violation | None = db.session.scalars(
        scoped_violations(actor).where(Violation.id == violation_id)
    ).first()
    if v is None:
        raise NotFound(f"未找到违法认定（{violation_id}）。", "Violation not found.")
    if v.status != ACTIVE:
        raise Conflict("该认定已撤回。", "The violation was already withdrawn.")
    record_withdrawal(actor, v, reason, now)
    flags.recompute_flags(now, enterprise_ids=[v.enterprise_id])
    db.session.commit()
    return v


def record_withdrawal(actor: Actor, v: Violation, reason: str, now: datetime) -> None:
    """Mark a finding withdrawn and audit it (the caller re-judges and commits)."""
    v.status, v.withdrawn_at = WITHDRAWN, now
    v.withdrawn_by, v.withdrawal_reason = actor.user_id, reason
    audit.record(
        actor,
        "violation.withdraw",
        "violation",
        v.id,
        before={"status": ACTIVE},
        after={"status": WITHDRAWN},
        note=reason,
        at=now,
    )
