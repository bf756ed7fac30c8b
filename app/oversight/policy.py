"""The repeat-offender policy: thresholds, windows and weights, checked once.

The coded defaults follow the issue's example (3 findings in one category in
90 days; 5 in any category in 180 days; an SLA breach rate above 30 % over at
least 10 complaints); severity weights per category and a weighted score for
the top rung. Overrides (global, then per campaign) are checked field by field
so a bad setting is refused with its name, never half applied.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from typing import Any


class PolicyInvalid(ValueError):
    def __init__(self, field_name: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.field = field_name
        self.zh = zh
        self.en = en


@dataclass(frozen=True)
class Policy:
    category_threshold: int = 3
    category_window_days: int = 90
    any_threshold: int = 5
    any_window_days: int = 180
    # Severity-weighted findings over any_window_days that call for publication.
    publication_score: Decimal = Decimal(25)
    breach_rate: Decimal = Decimal("0.30")  # flag when the rate is above this
    breach_min_complaints: int = 10
    breach_window_days: int = 90
    severity_weights: Mapping[str, Decimal] = field(default_factory=dict)
    default_weight: Decimal = Decimal(1)

    def weight(self, category: str) -> Decimal:
        return self.severity_weights.get(category, self.default_weight)


_INT_LIMITS = {
    "category_threshold": (1, 1000),
    "category_window_days": (1, 3660),
    "any_threshold": (1, 1000),
    "any_window_days": (1, 3660),
    "breach_min_complaints": (1, 1_000_000),
    "breach_window_days": (1, 3660),
}
_DECIMAL_LIMITS = {
    "publication_score": (Decimal(0), Decimal(100_000)),
    "breach_rate": (Decimal(0), Decimal(1)),
    "default_weight": (Decimal(0), Decimal(1000)),
}
POLICY_FIELDS = tuple(f.name for f in fields(Policy))


def with_overrides(base: Policy, overrides: Mapping[str, Any]) -> Policy:
    """Return `base` with `overrides` applied, each value checked.

    Raises:
        PolicyInvalid: an unknown field or a value out of range.
    """
    changes: dict[str, Any] = {}
    for name, raw in overrides.items():
        if name in _INT_LIMITS:
            low, high = _INT_LIMITS[name]
            if type(raw) is not int or not low <= raw <= high:
                raise _bad(name, f"{low}–{high} 的整数", f"a whole number {low}-{high}")
            changes[name] = raw
        elif name in _DECIMAL_LIMITS:
            changes[name] = _decimal(name, raw, *_DECIMAL_LIMITS[name])
        elif name == "severity_weights":
            if not isinstance(raw, Mapping):
                raise _bad(name, "类别到权重的映射", "a mapping of category to weight")
            merged = dict(base.severity_weights)
            for category, value in raw.items():
                merged[str(category)] = _decimal(name, value, Decimal(0), Decimal(1000))
            changes[name] = merged
        else:
            raise PolicyInvalid(
                name, f"未知的策略项：{name}", f"Unknown setting {name}"
            )
    return replace(base, **changes)


def _decimal(name: str, raw: Any, low: Decimal, high: Decimal) -> Decimal:
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        value = Decimal("NaN")
    if isinstance(raw, bool) or not value.is_finite() or not low <= value <= high:
        raise _bad(name, f"{low}–{high} 的数值", f"a number {low}-{high}")
    return value


def _bad(name: str, zh: str, en: str) -> PolicyInvalid:
    return PolicyInvalid(name, f"{name} 须为{zh}", f"{name} must be {en}")


def decimal_text(value: Decimal) -> str:
    """Write a decimal in fixed-point form ("0.0000000", never "0E-7")."""
    return format(value, "f")


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    """Return the policy as JSON-ready data (decimals as strings)."""
    out: dict[str, Any] = {}
    for name in POLICY_FIELDS:
        value = getattr(policy, name)
        if isinstance(value, Mapping):
            value = {k: decimal_text(v) for k, v in sorted(value.items())}
        elif isinstance(value, Decimal):
            value = decimal_text(value)
        out[name] = value
    return out
