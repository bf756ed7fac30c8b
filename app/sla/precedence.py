"""Which SLA policy governs a complaint's clock, and why.

Admins configure policies per campaign, per complaint category, or both. The most
specific one wins: campaign+category > campaign > category > configured default >
built-in default (the statutory and ODR periods in policies.py). A complaint may
carry several categories, so two rules of one level can both apply; then the
strictest (the shortest period) wins, and of equal ones the oldest rule. The
choice keeps every rule considered, so the deadline receipt can show the reasoning.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

from app.sla.policies import DEFAULT_POLICIES, Policy, PolicyTarget


class Level(StrEnum):
    CAMPAIGN_CATEGORY = "campaign_category"
    CAMPAIGN = "campaign"
    CATEGORY = "category"
    CONFIGURED_DEFAULT = "configured_default"
    BUILTIN_DEFAULT = "builtin_default"


# In order of precedence, most specific first.
LEVEL_LABELS: dict[Level, tuple[str, str]] = {
    Level.CAMPAIGN_CATEGORY: ("活动+类别", "campaign + category"),
    Level.CAMPAIGN: ("活动", "campaign"),
    Level.CATEGORY: ("类别", "category"),
    Level.CONFIGURED_DEFAULT: ("配置的默认规则", "configured default"),
    Level.BUILTIN_DEFAULT: ("内置默认（法定/ODR）", "built-in default (statute/ODR)"),
}
_RANK = {level: rank for rank, level in enumerate(LEVEL_LABELS)}
ORDER_ZH = " > ".join(zh for zh, _ in LEVEL_LABELS.values())
ORDER_EN = " > ".join(en for _, en in LEVEL_LABELS.values())


@dataclass(frozen=True)
class PolicyRule:
    """A configured policy and the complaints it is meant for (None: any)."""

    rule_id: int
    policy: Policy
    campaign_id: int | None = None
    category: str | None = None

    @property
    def level(self) -> Level:
        if self.campaign_id is not None:
            return Level.CAMPAIGN if self.category is None else Level.CAMPAIGN_CATEGORY
        return Level.CATEGORY if self.category is not None else Level.CONFIGURED_DEFAULT

    def applies(self, campaign_id: int | None, categories: Iterable[str]) -> bool:
        """Tell whether the rule covers a complaint of this campaign and categories."""
        if self.campaign_id is not None and self.campaign_id != campaign_id:
            return False
        return self.category is None or self.category in categories


@dataclass(frozen=True)
class Candidate:
    rule_id: int | None
    policy_code: str
    level: Level
    campaign_id: int | None
    category: str | None
    amount: int
    unit: str

    def to_dict(self) -> dict[str, object]:
        return {
            "rule_id": self.rule_id,
            "policy_code": self.policy_code,
            "level": str(self.level),
            "campaign_id": self.campaign_id,
            "category": self.category,
            "amount": self.amount,
            "unit": self.unit,
        }


@dataclass(frozen=True)
class Choice:
    policy: Policy
    considered: tuple[Candidate, ...]  # every applicable rule, the winner first

    @property
    def winner(self) -> Candidate:
        return self.considered[0]

    @property
    def level(self) -> Level:
        return self.winner.level

    @property
    def rule_id(self) -> int | None:  # None for a built-in default
        return self.winner.rule_id

    @cached_property
    def key(self) -> str:
        """Return a short digest of the policy and the selection, naming the pair."""
        both = {"policy": self.policy.to_dict(), "selection": self.to_dict()}
        text = json.dumps(both, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        """Render the choice compactly, as stored with each deadline."""
        return {
            "level": str(self.level),
            "rule_id": self.rule_id,
            "policy_code": self.policy.code,
            "considered": [c.to_dict() for c in self.considered],
        }


def choose(
    target: PolicyTarget,
    rules: Sequence[PolicyRule],
    *,
    campaign_id: int | None,
    categories: Sequence[str],
    defaults: Sequence[Policy] = DEFAULT_POLICIES,
) -> Choice:
    """Pick the policy for one clock; the choice lists every rule considered.

    Raises:
        LookupError: when no rule applies and `defaults` has no policy for `target`.
    """
    applicable = sorted(
        (
            r
            for r in rules
            if r.policy.target is target and r.applies(campaign_id, categories)
        ),
        key=lambda r: (_RANK[r.level], r.policy.budget, r.rule_id),
    )
    if applicable:
        considered = tuple(
            _candidate(r.rule_id, r.policy, r.level, r.campaign_id, r.category)
            for r in applicable
        )
        return Choice(applicable[0].policy, considered)
    builtin = next((p for p in defaults if p.target is target), None)
    if builtin is None:
        raise LookupError(f"no policy for target {target}")
    level = Level.BUILTIN_DEFAULT
    return Choice(builtin, (_candidate(None, builtin, level, None, None),))


def explain(selection: Mapping[str, Any]) -> dict[str, Any]:
    """Add the precedence order and a sentence saying why, for the receipt."""
    winner = selection["considered"][0]
    level = Level(winner["level"])
    zh_level, en_level = LEVEL_LABELS[level]
    if level is Level.BUILTIN_DEFAULT:
        zh = f"没有适用的配置规则，采用{zh_level} {winner['policy_code']}"
        en = f"No configured rule applies; using the {en_level} {winner['policy_code']}"
    else:
        zh_scope, en_scope = [], []
        if winner["campaign_id"] is not None:
            zh_scope.append(f"活动 #{winner['campaign_id']}")
            en_scope.append(f"campaign #{winner['campaign_id']}")
        if winner["category"] is not None:
            zh_scope.append(f"类别「{winner['category']}」")
            en_scope.append(f"category '{winner['category']}'")
        zh_for = "、".join(zh_scope) or "所有投诉"
        en_for = " and ".join(en_scope) or "all complaints"
        code = winner["policy_code"]
        zh = f"适用{zh_level}级规则 {code}（{zh_for}）；同级取期限最短者"
        en = (
            f"Rule {winner['policy_code']} at level {en_level} applies ({en_for}); "
            f"within a level the shortest period wins"
        )
    return dict(selection) | {
        "precedence_zh": ORDER_ZH,
        "precedence_en": ORDER_EN,
        "reason_zh": f"{zh}（优先级：{ORDER_ZH}）",
        "reason_en": f"{en} (precedence: {ORDER_EN})",
    }


def _candidate(
    rule_id: int | None,
    policy: Policy,
    level: Level,
    campaign_id: int | None,
    category: str | None,
) -> Candidate:
    return Candidate(
        rule_id,
        policy.code,
        level,
        campaign_id,
        category,
        policy.amount,
        str(policy.unit),
    )
