from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.oversight import offenders as off
from app.oversight import policy as pol

NOW = datetime(2021, 5, 10, 4, 0, tzinfo=UTC)  # 12:00 on 5-10 in Shanghai
TODAY = date(2021, 5, 10)
NAMES = {
    "counterfeit": ("假冒伪劣", "counterfeit goods"),
    "price_fraud": ("价格欺诈", "price fraud"),
    "exclusive_dealing": ("二选一", "exclusive dealing"),
}


def v(vid: int, category: str = "counterfeit", days_ago: int = 0) -> off.ViolationFact:
    zh, en = NAMES[category]
    return off.ViolationFact(
        vid, 100 + vid, category, zh, en, TODAY - timedelta(days_ago)
    )


def facts(*violations: off.ViolationFact, campaign_id: int | None = None, sla=None):
    return off.EnterpriseFacts(7, campaign_id, tuple(violations), sla)


def rules_fired(findings: list[off.Finding]) -> set[str]:
    return {f.key.rule.value for f in findings}


@pytest.mark.parametrize(
    ("count", "threshold", "fires"),
    [(2, 3, False), (3, 3, True), (4, 3, True), (1, 1, True), (4, 5, False)],
)
def test_category_rule_fires_at_its_threshold(count, threshold, fires) -> None:
    policy = pol.Policy(category_threshold=threshold, any_threshold=100)
    found = off.evaluate(facts(*(v(i) for i in range(count))), policy, NOW)
    assert ("category_repeat" in rules_fired(found)) is fires


@pytest.mark.parametrize(
    ("days_ago", "window", "counted"),
    [(0, 90, True), (89, 90, True), (90, 90, False), (29, 30, True), (30, 30, False)],
)
def test_category_window_counts_back_from_today_in_shanghai(
    days_ago, window, counted
) -> None:
    policy = pol.Policy(category_threshold=3, category_window_days=window)
    found = off.evaluate(facts(v(1), v(2), v(3, days_ago=days_ago)), policy, NOW)
    assert ("category_repeat" in rules_fired(found)) is counted


def test_late_evening_utc_is_already_the_next_day_in_shanghai() -> None:
    evening = datetime(2021, 5, 9, 17, 0, tzinfo=UTC)  # 01:00 on 5-10 in Shanghai
    assert off.window_start(evening, 1) == date(2021, 5, 10)


def test_categories_are_counted_separately() -> None:
    mixed = facts(v(1), v(2), v(3, "price_fraud"), v(4, "exclusive_dealing"))
    assert off.evaluate(mixed, pol.Policy(any_threshold=100), NOW) == []


def test_any_category_rule_counts_every_category_in_the_long_window() -> None:
    found = off.evaluate(
        facts(
            v(1),
            v(2, "price_fraud"),
            v(3, "exclusive_dealing"),
            v(4, days_ago=120),
            v(5, "price_fraud", days_ago=179),
            v(6, days_ago=180),  # outside 180 days
        ),
        pol.Policy(),
        NOW,
    )
    any_repeat = next(f for f in found if f.key.rule == off.Rule.ANY_REPEAT)
    assert any_repeat.level == off.Level.GUIDANCE
    assert any_repeat.violation_ids == (1, 2, 3, 4, 5)
    assert any_repeat.complaint_ids == (101, 102, 103, 104, 105)


def test_severity_weights_drive_the_publication_rung() -> None:
    policy = pol.Policy(
        any_threshold=100,
        publication_score=Decimal(10),
        severity_weights={"counterfeit": Decimal(5)},
    )
    two = off.evaluate(facts(v(1), v(2)), policy, NOW)
    assert [f.level for f in two] == [off.Level.PUBLICATION]
    assert two[0].metrics["score"] == "10"
    light = off.evaluate(facts(v(1, "price_fraud"), v(2, "price_fraud")), policy, NOW)
    assert light == []


@pytest.mark.parametrize(
    ("decided", "late", "fires"),
    [(10, 4, True), (10, 3, False), (9, 9, False), (20, 7, True), (0, 0, False)],
)
def test_sla_rule_needs_a_rate_above_the_threshold_over_enough_complaints(
    decided, late, fires
) -> None:
    sla = off.SlaFacts(decided, tuple(range(1, late + 1)))
    found = off.evaluate(facts(sla=sla), pol.Policy(), NOW)
    assert ("sla_breach_rate" in rules_fired(found)) is fires
    if fires:
        assert found[0].level == off.Level.WATCH
        assert found[0].complaint_ids == tuple(range(1, late + 1))


def test_a_campaign_override_changes_the_threshold_and_names_the_campaign() -> None:
    base = pol.Policy()
    festival = pol.with_overrides(base, {"category_threshold": 2})
    two = facts(v(1), v(2), campaign_id=5)
    assert off.evaluate(two, base, NOW) == []
    (found,) = off.evaluate(two, festival, NOW)
    assert found.key == off.FlagKey(7, 5, off.Rule.CATEGORY_REPEAT, "counterfeit")
    assert "活动（编号 5）" in found.explanation_zh
    assert "in campaign 5" in found.explanation_en


def test_explanations_say_what_why_and_what_next_in_chinese_and_english() -> None:
    (found,) = off.evaluate(facts(v(1), v(2), v(3)), pol.Policy(), NOW)
    assert found.explanation_zh == (
        "近 90 天内经查实的“假冒伪劣”违法行为 3 起，达到 3 起的阈值，"
        "建议由消费者协会公开点名。"
    )
    assert found.explanation_en == (
        "3 substantiated counterfeit goods violations in the last 90 days "
        "(threshold 3): recommend public naming by the consumer association."
    )
    sla = off.evaluate(facts(sla=off.SlaFacts(10, (1, 2, 3, 4))), pol.Policy(), NOW)
    assert "40.0%" in sla[0].explanation_zh and "30.0%" in sla[0].explanation_en


# reconcile: what to write ------------------------------------------------------------


def finding(*violation_ids: int) -> off.Finding:
    hits = [v(i) for i in violation_ids]
    (found,) = [
        f
        for f in off.evaluate(facts(*hits), pol.Policy(any_threshold=100), NOW)
        if f.key.rule == off.Rule.CATEGORY_REPEAT
    ]
    return found


KEY = off.FlagKey(7, None, off.Rule.CATEGORY_REPEAT, "counterfeit")


def state(status: str, *violation_ids: int, flag_id: int = 9) -> off.FlagState:
    complaints = [100 + i for i in violation_ids]
    return off.FlagState(
        flag_id,
        KEY,
        off.FlagStatus(status),
        off.Level.NAMING,
        off.evidence_of(violation_ids, complaints),
    )


def kinds(changes: list[off.Change]) -> list[tuple[str, int | None]]:
    return [(c.kind.value, c.flag_id) for c in changes]


def test_a_new_finding_raises_a_flag() -> None:
    assert kinds(off.reconcile([], [finding(1, 2, 3)])) == [("raise", None)]


def test_an_unchanged_finding_writes_nothing() -> None:
    assert off.reconcile([state("open", 1, 2, 3)], [finding(1, 2, 3)]) == []
    assert off.reconcile([state("confirmed", 1, 2, 3)], [finding(1, 2, 3)]) == []


def test_more_evidence_updates_an_active_flag() -> None:
    assert kinds(off.reconcile([state("open", 1, 2, 3)], [finding(1, 2, 3, 4)])) == [
        ("update", 9)
    ]


@pytest.mark.parametrize("evidence", [(1, 2, 3), (2, 3, 4)])
def test_a_cleared_flag_stays_cleared_on_the_evidence_it_was_cleared_with(
    evidence,
) -> None:
    cleared = state("cleared", 1, 2, 3, 4)
    assert off.reconcile([cleared], [finding(*evidence)]) == []


def test_new_evidence_reopens_a_cleared_flag_as_a_new_one() -> None:
    changes = off.reconcile([state("cleared", 1, 2, 3)], [finding(1, 2, 3, 5)])
    assert kinds(changes) == [("raise", 9)]
    assert changes[0].finding is not None
    assert changes[0].finding.violation_ids == (1, 2, 3, 5)


def test_an_active_flag_lapses_when_its_rule_no_longer_holds() -> None:
    assert kinds(off.reconcile([state("confirmed", 1, 2, 3)], [])) == [("lapse", 9)]
    assert off.reconcile([state("cleared", 1, 2, 3)], []) == []


def test_a_lapsed_flag_is_raised_again_when_the_rule_holds_again() -> None:
    assert kinds(off.reconcile([state("lapsed", 1, 2, 3)], [finding(1, 2, 3)])) == [
        ("raise", 9)
    ]


def test_current_level_is_the_highest_active_rung() -> None:
    watch = off.FlagState(1, KEY, off.FlagStatus.OPEN, off.Level.WATCH, frozenset())
    guidance = off.FlagState(
        2, KEY, off.FlagStatus.CLEARED, off.Level.GUIDANCE, frozenset()
    )
    assert off.current_level([watch, guidance]) == off.Level.WATCH
    assert off.current_level([guidance]) is None
    assert [lv.rank for lv in off.Level] == [1, 2, 3, 4]
