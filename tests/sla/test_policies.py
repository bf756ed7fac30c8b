from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from app.sla.policies import DEFAULT_POLICIES, Policy, PolicyTarget, PolicyUnit

BASE = Policy(
    code="p",
    name_zh="测试",
    name_en="Test",
    target=PolicyTarget.RESOLUTION,
    amount=7,
    unit=PolicyUnit.WORKING_DAYS,
    legal_basis="none",
)


def _policy(**changes: Any) -> Policy:
    return replace(BASE, **changes)


def test_defaults_carry_the_statutory_and_customary_limits() -> None:
    limits = {p.code: (p.target, p.amount, p.unit) for p in DEFAULT_POLICIES}
    working = PolicyUnit.WORKING_DAYS
    assert limits == {
        "enterprise_first_response": (PolicyTarget.FIRST_RESPONSE, 2, working),
        "enterprise_resolution": (PolicyTarget.RESOLUTION, 10, working),
        "regulator_accept_decision": (PolicyTarget.ACCEPT_DECISION, 7, working),
        "regulator_mediation": (PolicyTarget.MEDIATION, 45, working),
    }


def test_defaults_cite_their_legal_basis() -> None:
    basis = {p.code: p.legal_basis for p in DEFAULT_POLICIES}
    assert "Art. 14" in basis["regulator_accept_decision"]
    assert "Art. 21" in basis["regulator_mediation"]


def test_budget_is_days_of_24_hours_or_plain_hours() -> None:
    assert _policy(amount=7).budget == timedelta(days=7)
    assert _policy(amount=36, unit=PolicyUnit.HOURS).budget == timedelta(hours=36)
    assert _policy(amount=10, at_risk_percent=20).risk_window == timedelta(days=2)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": 0}, "amount"),
        ({"at_risk_percent": 101}, "at_risk_percent"),
        ({"roll_to_workday": True}, "roll"),
    ],
)
def test_inconsistent_policies_are_refused(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _policy(**changes)


def test_only_calendar_day_policies_may_roll() -> None:
    rolling = _policy(unit=PolicyUnit.CALENDAR_DAYS, roll_to_workday=True)
    assert rolling.roll_to_workday


@pytest.mark.parametrize("policy", DEFAULT_POLICIES)
def test_a_policy_survives_its_json_snapshot(policy: Policy) -> None:
    assert Policy.from_dict(policy.to_dict()) == policy
