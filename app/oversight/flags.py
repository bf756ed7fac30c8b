"""Repeat-offender flags: the policy in force, the idempotent sweep, the review.

The policy is the coded default (pack severities as weights), overlaid by the
global row and then by a campaign's row. The sweep loads facts (active findings,
SLA verdicts from the rollup members), lets offenders.py decide, and writes only
what changed: every enterprise is judged over all its conduct, and again per
campaign that has its own policy. A regulator confirms or clears a flag with a
reason; a regional regulator only those of enterprises registered in its region.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, case, func, select

from app.accounts import audit
from app.accounts.access import SYSTEM, Actor
from app.clock import utcnow
from app.errors import Conflict, NotFound, field_error
from app.extensions import db
from app.oversight import offenders as off
from app.oversight import policy as pol
from app.oversight.models import (
    OffenderFlag,
    OffenderPolicyRow,
    RollupMember,
    Violation,
)
from app.pagination import paginate
from app.pledges import service as registry
from app.pledges.models import Enterprise
from app.rules import service as rules

GLOBAL = "global"


def _scope_name(campaign_id: int | None) -> str:
    return GLOBAL if campaign_id is None else f"campaign:{campaign_id}"


def coded_default() -> pol.Policy:
    """Return the coded policy, weighting each category by its pack's severity."""
    weights = {p.category: Decimal(p.severity) for p in rules.list_packs()}
    return pol.Policy(severity_weights=weights)


def _row(campaign_id: int | None) -> OffenderPolicyRow | None:
    return db.session.scalar(
        select(OffenderPolicyRow).where(
            OffenderPolicyRow.scope == _scope_name(campaign_id)
        )
    )


def effective_policy(campaign_id: int | None = None) -> pol.Policy:
    """Return the policy for one campaign (None: the global one)."""
    policy = coded_default()
    for scope in (None, campaign_id) if campaign_id is not None else (None,):
        row = _row(scope)
        if row is not None:
            policy = pol.with_overrides(policy, row.settings)
    return policy


def policy_view(campaign_id: int | None = None) -> dict[str, Any]:
    """Show the effective policy and what this scope overrides."""
    if campaign_id is not None:
        registry.get_campaign(campaign_id)
    row = _row(campaign_id)
    return {
        "scope": _scope_name(campaign_id),
        "campaign_id": campaign_id,
        "effective": pol.policy_to_dict(effective_policy(campaign_id)),
        "overrides": dict(row.settings) if row else {},
        "defaults": pol.policy_to_dict(coded_default()),
        "updated_at": row.updated_at if row else None,
    }


def set_policy(
    actor: Actor, campaign_id: int | None, *, settings: Mapping[str, Any]
) -> dict[str, Any]:
    """Replace a scope's overrides (an empty mapping returns to the defaults)."""
    if campaign_id is not None:
        registry.get_campaign(campaign_id)
    plain: dict[str, Any] = {}
    for key, value in settings.items():
        if isinstance(value, Mapping):
            plain[key] = {
                str(k): pol.decimal_text(v) if isinstance(v, Decimal) else str(v)
                for k, v in value.items()
            }
        else:
            plain[key] = (
                pol.decimal_text(value) if isinstance(value, Decimal) else value
            )
    try:
        pol.with_overrides(effective_policy(None), plain)
    except pol.PolicyInvalid as err:
        raise field_error(err.field, err.zh, err.en) from err
    row = _row(campaign_id)
    before = dict(row.settings) if row else {}
    if row is None:
        row = OffenderPolicyRow(
            scope=_scope_name(campaign_id), campaign_id=campaign_id, settings={}
        )
        db.session.add(row)
    row.settings, row.updated_at, row.updated_by = plain, utcnow(), actor.user_id
    audit.record(
        actor,
        "offender_policy.set",
        "offender_policy",
        row.scope,
        before=before,
        after=plain,
    )
    db.session.commit()
    return policy_view(campaign_id)


# The sweep ------------------------------------------------------------------------


def _violation_facts(
    enterprise_ids: list[int] | None,
) -> dict[int, list[tuple[int | None, off.ViolationFact]]]:
    names = {p.category: (p.name_zh, p.name_en) for p in rules.list_packs()}
    stmt = select(Violation).where(Violation.status == "active")
    if enterprise_ids is not None:
        stmt = stmt.where(Violation.enterprise_id.in_(enterprise_ids))
    out: dict[int, list[tuple[int | None, off.ViolationFact]]] = {}
    for v in db.session.scalars(stmt):
        zh, en = names.get(v.category, (v.category, v.category))
        fact = off.ViolationFact(
            v.id,
            v.complaint_id,
            v.category,
            zh,
            en,
            v.substantiated_at.astimezone(off.SHANGHAI).date(),
        )
        out.setdefault(v.enterprise_id, []).append((v.campaign_id, fact))
    return out


def _sla_facts(
    policy: pol.Policy,
    now: datetime,
    enterprise_ids: list[int] | None,
    campaign_id: int | None,
) -> dict[int, off.SlaFacts]:
    m = RollupMember
    late_expr = m.fr_late + m.res_late
    decided_expr = m.fr_on_time + m.res_on_time + late_expr
    where = [
        m.day >= off.window_start(now, policy.breach_window_days),
        m.enterprise_id != 0,
    ]
    if enterprise_ids is not None:
        where.append(m.enterprise_id.in_(enterprise_ids))
    if campaign_id is not None:
        where.append(m.campaign_id == campaign_id)
    counts = db.session.execute(
        select(
            m.enterprise_id,
            func.sum(case((decided_expr > 0, 1), else_=0).cast(Integer)),
            func.sum(case((late_expr > 0, 1), else_=0).cast(Integer)),
        )
        .where(*where)
        .group_by(m.enterprise_id)
    ).all()
    out: dict[int, off.SlaFacts] = {}
    for enterprise_id, decided, late in counts:
        if off.sla_rule_met(int(decided or 0), int(late or 0), policy):
            late_ids = db.session.scalars(
                select(m.complaint_id).where(
                    *where, m.enterprise_id == enterprise_id, late_expr > 0
                )
            ).all()
            out[enterprise_id] = off.SlaFacts(int(decided), tuple(late_ids))
    return out


def _latest_states(enterprise_ids: Iterable[int]) -> dict[off.FlagKey, OffenderFlag]:
    latest: dict[off.FlagKey, OffenderFlag] = {}
    ids = sorted(set(enterprise_ids))
    for i in range(0, len(ids), 500):
        for flag in db.session.scalars(
            select(OffenderFlag)
            .where(OffenderFlag.enterprise_id.in_(ids[i : i + 500]))
            .order_by(OffenderFlag.id)
        ):
            latest[_key(flag)] = flag  # later ids win
    return latest


def _key(flag: OffenderFlag) -> off.FlagKey:
    return off.FlagKey(
        flag.enterprise_id, flag.campaign_id, off.Rule(flag.rule), flag.category
    )


def state_of(flag: OffenderFlag) -> off.FlagState:
    """Return the pure view of a stored flag."""
    return off.FlagState(
        flag.id,
        _key(flag),
        off.FlagStatus(flag.status),
        off.Level(flag.level),
        off.evidence_of(flag.violation_ids, flag.complaint_ids),
    )


def recompute_flags(
    now: datetime, *, enterprise_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """Re-judge enterprises (all by default) and write the flags that changed."""
    only = sorted(set(enterprise_ids)) if enterprise_ids is not None else None
    violations = _violation_facts(only)
    scopes: list[int | None] = [None]
    scopes += db.session.scalars(
        select(OffenderPolicyRow.campaign_id).where(
            OffenderPolicyRow.campaign_id.is_not(None)
        )
    ).all()
    findings: list[off.Finding] = []
    judged: set[int] = set(violations)
    for campaign_id in scopes:
        policy = effective_policy(campaign_id)
        sla = _sla_facts(policy, now, only, campaign_id)
        judged |= set(sla)
        for enterprise_id in sorted(set(violations) | set(sla)):
            facts = off.EnterpriseFacts(
                enterprise_id,
                campaign_id,
                tuple(
                    fact
                    for camp, fact in violations.get(enterprise_id, [])
                    if campaign_id is None or camp == campaign_id
                ),
                sla.get(enterprise_id),
            )
            findings += off.evaluate(facts, policy, now)
    flagged = db.session.scalars(
        select(OffenderFlag.enterprise_id)
        .where(OffenderFlag.status.in_([s.value for s in off.ACTIVE]))
        .distinct()
    ).all()
    judged |= {e for e in flagged if only is None or e in only}
    latest = _latest_states(judged)
    changes = off.reconcile([state_of(f) for f in latest.values()], findings)
    for change in changes:
        _write(change, latest.get(change.key), now)
    db.session.flush()
    tally = {kind.value: 0 for kind in off.ChangeKind}
    for change in changes:
        tally[change.kind.value] += 1
    return tally


def _write(change: off.Change, flag: OffenderFlag | None, now: datetime) -> None:
    finding = change.finding
    if change.kind == off.ChangeKind.LAPSE and flag is not None:
        flag.status, flag.updated_at = off.FlagStatus.LAPSED.value, now
        audit.record(SYSTEM, "flag.lapse", "flag", flag.id, at=now)
        return
    if finding is None:
        return
    if change.kind == off.ChangeKind.RAISE:
        flag = OffenderFlag(
            enterprise_id=finding.key.enterprise_id,
            campaign_id=finding.key.campaign_id,
            rule=finding.key.rule.value,
            category=finding.key.category,
            status=off.FlagStatus.OPEN.value,
            raised_at=now,
            supersedes_id=change.flag_id,
        )
        db.session.add(flag)
    assert flag is not None
    flag.level, flag.rank = finding.level.value, finding.level.rank
    flag.violation_ids = list(finding.violation_ids)
    flag.complaint_ids = list(finding.complaint_ids)
    flag.metrics = dict(finding.metrics)
    flag.explanation_zh, flag.explanation_en = (
        finding.explanation_zh,
        finding.explanation_en,
    )
    flag.updated_at = now
    db.session.flush()
    audit.record(
        SYSTEM,
        f"flag.{change.kind.value}",
        "flag",
        flag.id,
        after={"level": flag.level, "violations": flag.violation_ids},
        note=finding.explanation_zh,
        at=now,
    )


# Reading and review -----------------------------------------------------------------


def scoped_flags(actor: Actor) -> Any:
    """Select the flags of enterprises the actor may see."""
    visible = registry.scoped_enterprises(actor).with_only_columns(Enterprise.id)
    return select(OffenderFlag).where(OffenderFlag.enterprise_id.in_(visible))


def list_flags(
    actor: Actor, *, filters: Mapping[str, Any], page: int, per_page: int
) -> dict[str, Any]:
    """Page through flags, highest rung first; active ones unless a status is given."""
    stmt = scoped_flags(actor)
    statuses = (
        [filters["status"]] if filters.get("status") else [s.value for s in off.ACTIVE]
    )
    stmt = stmt.where(OffenderFlag.status.in_(statuses))
    for key in ("level", "enterprise_id", "campaign_id", "rule"):
        if filters.get(key) is not None:
            stmt = stmt.where(getattr(OffenderFlag, key) == filters[key])
    stmt = stmt.order_by(OffenderFlag.rank.desc(), OffenderFlag.id.desc())
    return {"as_of": utcnow(), **paginate(stmt, page=page, per_page=per_page)}


_VERB = {"confirm": "确认", "clear": "解除"}


def review_flag(
    actor: Actor,
    flag_id: int,
    *,
    decision: str,
    reason: str,
    now: datetime | None = None,
) -> OffenderFlag:
    """Confirm an open flag, or clear an open or confirmed one, with a reason."""
    now = now or utcnow()
    flag = db.session.scalar(scoped_flags(actor).where(OffenderFlag.id == flag_id))
    if flag is None:
        raise NotFound(f"未找到风险标记（{flag_id}）。", f"Flag {flag_id} not found.")
    allowed = {"confirm": {off.FlagStatus.OPEN}, "clear": off.ACTIVE}[decision]
    if off.FlagStatus(flag.status) not in allowed:
        raise Conflict(
            f"该标记当前状态为 {flag.status}，不能{_VERB[decision]}。",
            f"The flag is {flag.status}; it cannot be {decision}ed.",
        )
    before = flag.status
    flag.status = (
        off.FlagStatus.CONFIRMED if decision == "confirm" else off.FlagStatus.CLEARED
    ).value
    flag.reviewed_at, flag.reviewed_by, flag.review_reason = now, actor.user_id, reason
    flag.updated_at = now
    audit.record(
        actor,
        f"flag.{decision}",
        "flag",
        flag.id,
        before={"status": before},
        after={"status": flag.status, "evidence": flag.violation_ids},
        note=reason,
        at=now,
    )
    db.session.commit()
    return flag


def current_level(enterprise_id: int, *, confirmed_only: bool) -> off.Level | None:
    """Return an enterprise's highest active rung (only confirmed ones if asked)."""
    statuses = [off.FlagStatus.CONFIRMED.value]
    if not confirmed_only:
        statuses.append(off.FlagStatus.OPEN.value)
    rank = db.session.scalar(
        select(func.max(OffenderFlag.rank)).where(
            OffenderFlag.enterprise_id == enterprise_id,
            OffenderFlag.status.in_(statuses),
        )
    )
    return list(off.Level)[rank - 1] if rank else None
