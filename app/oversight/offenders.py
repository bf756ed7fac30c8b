"""Repeat-offender rules: substantiated violations and SLA breaches become flags.

No law fixes a repeat-offender number (regulations §3.5), so the thresholds are
policy: N findings in one category, M in any category, a severity-weighted score
over a window, and an SLA breach rate over a minimum of complaints. Each rule
sits on one rung of the ladder: watch → 消协点名 → 约谈 → recommend 信用公示 or
严重违法失信名单. A flag a regulator cleared stays cleared until its evidence
grows beyond what was cleared. Windows count back from `now` in Asia/Shanghai.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from app.oversight.policy import Policy

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Level(StrEnum):
    WATCH = "watch"
    NAMING = "naming"
    GUIDANCE = "guidance"
    PUBLICATION = "publication"

    @property
    def rank(self) -> int:
        return list(Level).index(self) + 1

    @property
    def zh(self) -> str:
        return _LEVEL_TEXT[self][0]

    @property
    def en(self) -> str:
        return _LEVEL_TEXT[self][1]


_LEVEL_TEXT = {
    Level.WATCH: ("列入观察名单", "watch-listing"),
    Level.NAMING: ("由消费者协会公开点名", "public naming by the consumer association"),
    Level.GUIDANCE: ("行政指导约谈", "an administrative guidance meeting (约谈)"),
    Level.PUBLICATION: (
        "公示行政处罚信息或列入严重违法失信名单",
        "publishing the penalty or listing the enterprise as seriously dishonest",
    ),
}


class Rule(StrEnum):
    SLA_BREACH_RATE = "sla_breach_rate"
    CATEGORY_REPEAT = "category_repeat"
    ANY_REPEAT = "any_repeat"
    WEIGHTED_SCORE = "weighted_score"


RULE_LEVEL = {
    Rule.SLA_BREACH_RATE: Level.WATCH,
    Rule.CATEGORY_REPEAT: Level.NAMING,
    Rule.ANY_REPEAT: Level.GUIDANCE,
    Rule.WEIGHTED_SCORE: Level.PUBLICATION,
}


class FlagStatus(StrEnum):
    OPEN = "open"  # raised, waiting for a regulator
    CONFIRMED = "confirmed"
    CLEARED = "cleared"
    LAPSED = "lapsed"  # the rule no longer holds (window passed, finding withdrawn)


ACTIVE = frozenset({FlagStatus.OPEN, FlagStatus.CONFIRMED})


@dataclass(frozen=True)
class ViolationFact:
    violation_id: int
    complaint_id: int
    category: str
    name_zh: str
    name_en: str
    on: date  # the day it was substantiated, Asia/Shanghai


@dataclass(frozen=True)
class SlaFacts:
    """Complaints in the breach window whose enterprise clocks reached a verdict."""

    decided: int
    late_complaint_ids: tuple[int, ...]


@dataclass(frozen=True)
class EnterpriseFacts:
    enterprise_id: int
    campaign_id: int | None  # None: everything the enterprise did
    violations: tuple[ViolationFact, ...] = ()
    sla: SlaFacts | None = None


@dataclass(frozen=True)
class FlagKey:
    enterprise_id: int
    campaign_id: int | None
    rule: Rule
    category: str | None = None


Evidence = frozenset[tuple[str, int]]  # ("violation", id) or ("complaint", id)


@dataclass(frozen=True)
class Finding:
    key: FlagKey
    level: Level
    violation_ids: tuple[int, ...]
    complaint_ids: tuple[int, ...]
    metrics: Mapping[str, Any]
    explanation_zh: str
    explanation_en: str

    @property
    def evidence(self) -> Evidence:
        return evidence_of(self.violation_ids, self.complaint_ids)


def evidence_of(violation_ids: Iterable[int], complaint_ids: Iterable[int]) -> Evidence:
    """Return the evidence set that clearing and reopening compare."""
    return frozenset(
        [("violation", v) for v in violation_ids]
        + [("complaint", c) for c in complaint_ids]
    )


def window_start(now: datetime, days: int) -> date:
    """Return the first day of a window of `days` days ending today (Shanghai)."""
    return now.astimezone(SHANGHAI).date() - timedelta(days=days - 1)


def sla_rule_met(decided: int, late: int, policy: Policy) -> bool:
    """Tell whether a breach rate over `decided` complaints trips the SLA rule."""
    return decided >= policy.breach_min_complaints and Decimal(late) > (
        policy.breach_rate * decided
    )


def evaluate(facts: EnterpriseFacts, policy: Policy, now: datetime) -> list[Finding]:
    """Apply every rule to one enterprise's facts; return the rules that fire."""
    found: list[Finding] = []
    recent = _since(facts.violations, window_start(now, policy.category_window_days))
    for category in sorted({v.category for v in recent}):
        hits = [v for v in recent if v.category == category]
        if len(hits) >= policy.category_threshold:
            found.append(_category_finding(facts, policy, hits))
    wide = _since(facts.violations, window_start(now, policy.any_window_days))
    if len(wide) >= policy.any_threshold:
        found.append(_any_finding(facts, policy, wide))
    score = sum((policy.weight(v.category) for v in wide), Decimal(0))
    if wide and score >= policy.publication_score:
        found.append(_score_finding(facts, policy, wide, score))
    sla = facts.sla
    if sla is not None and sla_rule_met(
        sla.decided, len(sla.late_complaint_ids), policy
    ):
        found.append(_sla_finding(facts, policy, sla))
    return found


def _since(violations: Iterable[ViolationFact], start: date) -> list[ViolationFact]:
    return sorted(
        (v for v in violations if v.on >= start), key=lambda v: v.violation_id
    )


def _key(facts: EnterpriseFacts, rule: Rule, category: str | None = None) -> FlagKey:
    return FlagKey(facts.enterprise_id, facts.campaign_id, rule, category)


def _scope(facts: EnterpriseFacts) -> tuple[str, str]:
    if facts.campaign_id is None:
        return "", ""
    return f"在活动（编号 {facts.campaign_id}）中", f" in campaign {facts.campaign_id}"


def _found(
    key: FlagKey,
    hits: list[ViolationFact],
    metrics: dict[str, Any],
    zh: str,
    en: str,
) -> Finding:
    level = RULE_LEVEL[key.rule]
    return Finding(
        key=key,
        level=level,
        violation_ids=tuple(v.violation_id for v in hits),
        complaint_ids=tuple(sorted({v.complaint_id for v in hits})),
        metrics=metrics,
        explanation_zh=f"{zh}建议{level.zh}。",
        explanation_en=f"{en}: recommend {level.en}.",
    )


def _category_finding(
    facts: EnterpriseFacts, policy: Policy, hits: list[ViolationFact]
) -> Finding:
    first = hits[0]
    days, n, limit = policy.category_window_days, len(hits), policy.category_threshold
    zh_scope, en_scope = _scope(facts)
    return _found(
        _key(facts, Rule.CATEGORY_REPEAT, first.category),
        hits,
        {"count": n, "threshold": limit, "window_days": days},
        f"近 {days} 天内{zh_scope}经查实的“{first.name_zh}”违法行为 {n} 起，"
        f"达到 {limit} 起的阈值，",
        f"{n} substantiated {first.name_en} violations{en_scope} in the last "
        f"{days} days (threshold {limit})",
    )


def _breakdown(hits: list[ViolationFact]) -> tuple[str, str]:
    counts: dict[tuple[str, str], int] = {}
    for v in hits:
        counts[v.name_zh, v.name_en] = counts.get((v.name_zh, v.name_en), 0) + 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    zh = "、".join(f"{names[0]} {n} 起" for names, n in ordered)
    en = ", ".join(f"{names[1]} {n}" for names, n in ordered)
    return zh, en


def _any_finding(
    facts: EnterpriseFacts, policy: Policy, hits: list[ViolationFact]
) -> Finding:
    days, n, limit = policy.any_window_days, len(hits), policy.any_threshold
    zh_list, en_list = _breakdown(hits)
    zh_scope, en_scope = _scope(facts)
    return _found(
        _key(facts, Rule.ANY_REPEAT),
        hits,
        {"count": n, "threshold": limit, "window_days": days},
        f"近 {days} 天内{zh_scope}经查实的违法行为共 {n} 起（{zh_list}），"
        f"达到 {limit} 起的阈值，",
        f"{n} substantiated violations{en_scope} in the last {days} days "
        f"({en_list}; threshold {limit})",
    )


def _score_finding(
    facts: EnterpriseFacts, policy: Policy, hits: list[ViolationFact], score: Decimal
) -> Finding:
    days, limit = policy.any_window_days, policy.publication_score
    shown = format(score.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")
    shown = shown.rstrip("0").rstrip(".") if "." in shown else shown
    zh_list, en_list = _breakdown(hits)
    zh_scope, en_scope = _scope(facts)
    return _found(
        _key(facts, Rule.WEIGHTED_SCORE),
        hits,
        {"score": str(shown), "threshold": str(limit), "window_days": days},
        f"近 {days} 天内{zh_scope}经查实的违法行为按严重程度加权计 {shown} 分"
        f"（{zh_list}），达到 {limit} 分的阈值，",
        f"severity-weighted score {shown} from substantiated violations{en_scope} "
        f"in the last {days} days ({en_list}; threshold {limit})",
    )


def _sla_finding(facts: EnterpriseFacts, policy: Policy, sla: SlaFacts) -> Finding:
    late = len(sla.late_complaint_ids)
    rate = (Decimal(late) / sla.decided).quantize(Decimal("0.0001"))
    pct, limit = f"{rate * 100:.1f}%", f"{policy.breach_rate * 100:.1f}%"
    days = policy.breach_window_days
    zh_scope, en_scope = _scope(facts)
    level = RULE_LEVEL[Rule.SLA_BREACH_RATE]
    return Finding(
        key=_key(facts, Rule.SLA_BREACH_RATE),
        level=level,
        violation_ids=(),
        complaint_ids=tuple(sorted(sla.late_complaint_ids)),
        metrics={
            "decided": sla.decided,
            "late": late,
            "rate": str(rate),
            "threshold": str(policy.breach_rate),
            "min_complaints": policy.breach_min_complaints,
            "window_days": days,
        },
        explanation_zh=f"近 {days} 天内{zh_scope}有时限结论的 {sla.decided} 件投诉中"
        f" {late} 件超时（{pct}），高于 {limit} 的阈值，建议{level.zh}。",
        explanation_en=f"{late} of {sla.decided} complaints{en_scope} in the last "
        f"{days} days missed an SLA deadline ({pct}, above {limit}): recommend "
        f"{level.en}.",
    )


@dataclass(frozen=True)
class FlagState:
    """The latest stored flag for one key, as reconcile needs it."""

    flag_id: int
    key: FlagKey
    status: FlagStatus
    level: Level
    evidence: Evidence


class ChangeKind(StrEnum):
    RAISE = "raise"  # a new open flag (superseding `flag_id` when given)
    UPDATE = "update"  # same flag, new evidence or level
    LAPSE = "lapse"  # the rule no longer holds


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    key: FlagKey
    finding: Finding | None
    flag_id: int | None = None


def reconcile(latest: Iterable[FlagState], findings: Iterable[Finding]) -> list[Change]:
    """Decide what to write, given the latest flag per key and today's findings."""
    states = {s.key: s for s in latest}
    fresh = {f.key: f for f in findings}
    changes: list[Change] = []
    for key in sorted(states.keys() | fresh.keys(), key=_order):
        state, finding = states.get(key), fresh.get(key)
        if finding is None:
            if state is not None and state.status in ACTIVE:
                changes.append(Change(ChangeKind.LAPSE, key, None, state.flag_id))
        elif state is None:
            changes.append(Change(ChangeKind.RAISE, key, finding))
        elif state.status in ACTIVE:
            if finding.evidence != state.evidence or finding.level != state.level:
                changes.append(Change(ChangeKind.UPDATE, key, finding, state.flag_id))
        elif state.status == FlagStatus.LAPSED or finding.evidence - state.evidence:
            # A cleared flag comes back only on evidence it was not cleared with.
            changes.append(Change(ChangeKind.RAISE, key, finding, state.flag_id))
    return changes


def _order(key: FlagKey) -> tuple[int, int, str, str]:
    return (key.enterprise_id, key.campaign_id or 0, key.rule, key.category or "")


def current_level(states: Iterable[FlagState]) -> Level | None:
    """Return the highest rung among active flags, or None."""
    active = [s.level for s in states if s.status in ACTIVE]
    return max(active, key=lambda level: level.rank) if active else None
