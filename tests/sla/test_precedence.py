import pytest

from app.sla.policies import DEFAULT_POLICIES, Policy, PolicyTarget, PolicyUnit
from app.sla.precedence import Level, PolicyRule, choose, explain

RES = PolicyTarget.RESOLUTION


def rule(
    rule_id: int,
    amount: int,
    *,
    campaign: int | None = None,
    category: str | None = None,
    target: PolicyTarget = RES,
) -> PolicyRule:
    policy = Policy(
        code=f"p{rule_id}",
        name_zh="办结",
        name_en="Resolution",
        target=target,
        amount=amount,
        unit=PolicyUnit.WORKING_DAYS,
        legal_basis="test",
    )
    return PolicyRule(rule_id, policy, campaign_id=campaign, category=category)


RULES = [
    rule(1, 8),
    rule(2, 5, campaign=7),
    rule(3, 6, category="quality"),
    rule(4, 3, campaign=7, category="quality"),
    rule(5, 4, category="price"),
    rule(6, 1, campaign=9),
]


@pytest.mark.parametrize(
    ("campaign", "categories", "winner", "level"),
    [
        (7, ["quality"], 4, Level.CAMPAIGN_CATEGORY),
        (7, ["price"], 2, Level.CAMPAIGN),
        (None, ["quality"], 3, Level.CATEGORY),
        (8, ["other"], 1, Level.CONFIGURED_DEFAULT),
    ],
)
def test_the_most_specific_rule_wins(campaign, categories, winner, level) -> None:
    choice = choose(RES, RULES, campaign_id=campaign, categories=categories)
    assert (choice.rule_id, choice.level) == (winner, level)
    assert choice.considered[0].rule_id == winner


def test_every_applicable_rule_is_listed_in_precedence_order() -> None:
    choice = choose(RES, RULES, campaign_id=7, categories=["quality"])
    assert [c.rule_id for c in choice.considered] == [4, 2, 3, 1]
    data = explain(choice.to_dict())
    assert data["level"] == "campaign_category"
    assert "活动+类别 > 活动 > 类别" in data["precedence_zh"]
    assert (
        "campaign #7" in data["reason_en"] and "category 'quality'" in data["reason_en"]
    )


def test_two_categories_at_one_level_pick_the_shorter_period() -> None:
    choice = choose(RES, RULES, campaign_id=None, categories=["quality", "price"])
    assert choice.rule_id == 5
    assert "shortest period wins" in explain(choice.to_dict())["reason_en"]


def test_without_rules_the_builtin_default_applies_and_says_so() -> None:
    choice = choose(PolicyTarget.ACCEPT_DECISION, RULES, campaign_id=7, categories=[])
    assert choice.level is Level.BUILTIN_DEFAULT
    assert choice.rule_id is None
    assert choice.policy == next(
        p for p in DEFAULT_POLICIES if p.target is PolicyTarget.ACCEPT_DECISION
    )
    assert "内置默认" in explain(choice.to_dict())["reason_zh"]


def test_rules_for_another_target_are_ignored() -> None:
    only_other = [rule(1, 2, target=PolicyTarget.FIRST_RESPONSE)]
    choice = choose(RES, only_other, campaign_id=None, categories=[])
    assert choice.level is Level.BUILTIN_DEFAULT


def test_a_missing_builtin_default_is_an_error() -> None:
    with pytest.raises(LookupError):
        choose(RES, [], campaign_id=None, categories=[], defaults=())
