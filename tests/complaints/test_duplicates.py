from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from app.complaints.duplicates import (
    DupFacts,
    DupReason,
    _TextBounds,
    complainant_key,
    find_duplicate,
    find_repeats,
    normalise_order_no,
    text_key,
)

NOW = datetime(2021, 5, 2, 9, 30, tzinfo=UTC)
FACTS = (
    "4月28日在双品网购节活动中下单的空气炸锅至今未发货，"
    "客服一直不回复，要求退款并赔偿。"
)


def facts(
    complaint_id: int | None,
    *,
    days_ago: float = 0,
    person: str = "13800138000",
    enterprise_id: int | None = 7,
    order_no: str | None = None,
    text: str = FACTS,
) -> DupFacts:
    """Build complaint facts filed `days_ago` before NOW."""
    return DupFacts(
        complaint_id=complaint_id,
        complainant_key=person,
        enterprise_id=enterprise_id,
        order_no=order_no,
        facts_text=text,
        filed_at=NOW - timedelta(days=days_ago),
    )


def test_same_complainant_enterprise_and_order_is_a_duplicate() -> None:
    old = facts(1, days_ago=3, order_no="JD-2021-0428-7788", text="没发货")
    new = facts(None, order_no="jd 2021 0428 7788", text="催了好几次还是没有发货")
    hit = find_duplicate(new, [old])
    assert hit is not None
    assert (hit.original_id, hit.reason, hit.score) == (1, DupReason.SAME_ORDER, 1.0)


def test_same_order_from_another_complainant_is_not_an_order_duplicate() -> None:
    old = facts(1, days_ago=3, order_no="7788", person="13900000000", text="没发货")
    new = facts(None, order_no="7788", text="催了好几次还是没有发货")
    assert find_duplicate(new, [old]) is None


def test_same_order_counts_even_outside_the_text_window() -> None:
    old = facts(1, days_ago=90, order_no="7788", text="没发货")
    hit = find_duplicate(facts(None, order_no="7788", text="还是没发货"), [old])
    assert hit is not None
    assert hit.reason is DupReason.SAME_ORDER


def test_near_identical_facts_within_30_days_are_a_duplicate() -> None:
    old = facts(1, days_ago=29, person="13900000000")
    reworded = FACTS.replace("至今", "到现在").replace("。", "！")
    hit = find_duplicate(facts(None, text=reworded), [old])
    assert hit is not None
    assert hit.original_id == 1
    assert hit.reason is DupReason.SIMILAR_TEXT
    assert 0.9 <= hit.score < 1.0


def test_traditional_and_full_width_text_compares_as_simplified() -> None:
    old = facts(
        1, days_ago=1, text="空氣炸鍋至今未發貨，客服一直不回覆，要求退款ＡＢＣ"
    )
    new = facts(None, text="空气炸锅至今未发货，客服一直不回复，要求退款abc")
    hit = find_duplicate(new, [old])
    assert hit is not None
    assert hit.score == 1.0


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("ﾊﾟｿｺﾝ　①号，退款！", "パソコン1号退款"),
        ("買到假貨 - 客服不理_", "买到假货客服不理"),
        ("ＬＶ包 e\u0301", "lv包é"),
    ],
)
def test_the_compared_text_folds_width_script_case_and_drops_punctuation(
    text: str, key: str
) -> None:
    assert text_key(text) == key


def test_similar_facts_outside_the_window_are_not_a_duplicate() -> None:
    assert find_duplicate(facts(None), [facts(1, days_ago=31)]) is None


def test_window_is_a_parameter() -> None:
    old = facts(1, days_ago=31)
    hit = find_duplicate(facts(None), [old], window=timedelta(days=45))
    assert hit is not None


def test_same_facts_against_another_enterprise_are_not_a_duplicate() -> None:
    old = facts(1, days_ago=2, enterprise_id=8, order_no="7788")
    assert find_duplicate(facts(None, order_no="7788"), [old]) is None


def test_unmatched_enterprise_is_never_a_duplicate() -> None:
    old = facts(1, days_ago=2, enterprise_id=None)
    assert find_duplicate(facts(None, enterprise_id=None), [old]) is None


def test_different_facts_are_not_a_duplicate() -> None:
    old = facts(
        1, days_ago=2, text="直播间宣传的价格与实际结算价格不一致，涉嫌虚假宣传。"
    )
    assert find_duplicate(facts(None), [old]) is None


def test_threshold_is_a_parameter() -> None:
    old = facts(1, days_ago=2, text=FACTS[:30] + "另外赠品也没有收到。")
    assert find_duplicate(facts(None), [old]) is None
    loose = find_duplicate(facts(None), [old], threshold=0.6)
    assert loose is not None


def test_short_texts_are_not_compared() -> None:
    old = facts(1, days_ago=1, text="没发货")
    assert find_duplicate(facts(None, text="没发货"), [old]) is None


def test_original_is_the_earliest_match() -> None:
    chain = [facts(3, days_ago=1), facts(1, days_ago=20), facts(2, days_ago=10)]
    hit = find_duplicate(facts(None), chain)
    assert hit is not None
    assert hit.original_id == 1


def test_earliest_match_wins_whichever_rule_found_it() -> None:
    by_order = facts(2, days_ago=5, order_no="7788", text="没发货")
    by_text = facts(1, days_ago=9, person="13900000000")
    hit = find_duplicate(facts(None, order_no="7788"), [by_order, by_text])
    assert hit is not None
    assert (hit.original_id, hit.reason) == (1, DupReason.SIMILAR_TEXT)


def test_later_complaints_and_the_complaint_itself_are_not_originals() -> None:
    new = facts(5, days_ago=2)
    later = facts(6, days_ago=1)
    assert find_duplicate(new, [new, later]) is None


@pytest.mark.parametrize(
    ("old_id", "new_id", "is_dup"),
    [(4, 5, True), (6, 5, False), (4, None, True)],
)
def test_at_the_same_instant_the_lower_id_came_first(
    old_id: int, new_id: int | None, is_dup: bool
) -> None:
    hit = find_duplicate(facts(new_id), [facts(old_id)])
    assert (hit is not None) is is_dup


def test_unsaved_candidates_are_ignored() -> None:
    assert (
        find_duplicate(facts(None), [replace(facts(None), filed_at=NOW - timedelta(1))])
        is None
    )


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("８６ １３８００１３８０００", "13800138000"),
        ("010-8888 6666", "01088886666"),
        ("", ""),
        (None, ""),
    ],
)
def test_complainant_key_keeps_the_digits_of_a_phone_number(
    raw: str | None, key: str
) -> None:
    assert complainant_key(raw) == key


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("JD-2021-0428-7788", "JD202104287788"),
        (" jd 2021 0428 7788 ", "JD202104287788"),
        ("ＴＢ＃１２３４５", "TB12345"),
        (None, ""),
    ],
)
def test_order_numbers_compare_without_separators_width_or_case(
    raw: str | None, normal: str
) -> None:
    assert normalise_order_no(raw) == normal


_CHARS = "退款发货客服不回复赔偿空气炸锅订单假冒伪劣价格欺诈虚假宣传abcAB12３４，。"


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=_CHARS, min_size=10, max_size=60),
    st.lists(st.text(alphabet=_CHARS, min_size=0, max_size=60), max_size=12),
    st.sampled_from([0.6, 0.75, 0.9]),
)
def test_text_rule_finds_the_earliest_pair_at_or_over_the_threshold(
    text: str, olds: list[str], threshold: float
) -> None:
    # Reference: compare every earlier text in full, no shortcut.
    earlier = [facts(i + 1, days_ago=len(olds) - i, text=t) for i, t in enumerate(olds)]
    new = facts(None, text=text)
    key = text_key(text)
    expected = next(
        (
            old.complaint_id
            for old in earlier
            if len(key) >= 10
            and fuzz.ratio(key, text_key(old.facts_text)) >= threshold * 100
        ),
        None,
    )
    hit = find_duplicate(new, earlier, threshold=threshold)
    assert (hit.original_id if hit else None) == expected
    if hit is not None:
        real = fuzz.ratio(key, text_key(earlier[hit.original_id - 1].facts_text))
        assert hit.score == round(real / 100, 4)


_DUP_TEXTS = st.text(alphabet="退款发货客服", min_size=6, max_size=16)


@st.composite
def _dup_facts(draw: st.DrawFn, complaint_id: int, days_ago: float) -> DupFacts:
    return DupFacts(
        complaint_id=complaint_id,
        complainant_key=draw(st.sampled_from(["138", "139", " 138"])),
        enterprise_id=draw(st.sampled_from([1, 1, 2, None])),
        order_no=draw(st.sampled_from([None, "", "A-1", "a1", "B2"])),
        facts_text=draw(_DUP_TEXTS),
        filed_at=NOW - timedelta(days=days_ago),
    )


@st.composite
def _batches(draw: st.DrawFn) -> tuple[Any, ...]:
    ages = draw(st.lists(st.floats(0, 40), max_size=10))
    filed = [draw(_dup_facts(i + 1, age)) for i, age in enumerate(sorted(ages))]
    on_file: dict[int, list[DupFacts]] = {}
    for old in reversed(filed):  # newest first, as read from the database
        if old.enterprise_id is not None:
            on_file.setdefault(old.enterprise_id, []).append(old)
    size = draw(st.integers(1, 8))
    batch = [draw(_dup_facts(1000 + pos, 0)) for pos in range(size)]
    extras = [
        draw(st.lists(st.sampled_from(filed), max_size=3)) if filed else []
        for _ in batch
    ]
    return (
        batch,
        on_file,
        extras,
        draw(st.integers(1, 5)),
        draw(st.sampled_from([0.6, 0.8])),
    )


@settings(max_examples=400, deadline=None)
@given(_batches())
def test_a_batch_finds_what_filing_one_by_one_finds(case: tuple[Any, ...]) -> None:
    batch, on_file, extras, limit, threshold = case
    expected = {}
    before: dict[int, list[DupFacts]] = {}
    for pos, new in enumerate(batch):
        if new.enterprise_id is None:
            continue
        # One by one: the `limit` newest before it, then its extra candidates.
        newest = before.setdefault(new.enterprise_id, [])[-limit:]
        kept = on_file.get(new.enterprise_id, [])[: limit - len(newest)]
        hit = find_duplicate(
            new, [*newest, *kept, *extras[pos]], threshold=threshold, min_text_chars=6
        )
        if hit is not None:
            expected[pos] = hit
        before[new.enterprise_id].append(new)
    found = find_repeats(
        batch, on_file, extras, limit=limit, threshold=threshold, min_text_chars=6
    )
    assert found == expected


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=_CHARS, min_size=1, max_size=40),
    st.lists(st.text(alphabet=_CHARS, max_size=40), max_size=6),
    st.sampled_from([0.5, 0.9, 1.0]),
)
def test_the_text_bound_never_rules_out_a_match(
    key: str, others: list[str], threshold: float
) -> None:
    keys = [*others, key, key[1:], key + key[:1]]  # itself: the bound is exact there
    cutoff = threshold * 100
    may = set(_TextBounds.among(key, keys, cutoff))
    for j, other in enumerate(keys):
        if fuzz.ratio(key, other, score_cutoff=cutoff):
            assert j in may
    assert len(keys) - 3 in may


def test_the_text_bound_rules_out_unlike_texts_and_takes_any_character() -> None:
    unlike = ["客服一直不回复要求退款", "物流显示已签收但没有收到", "\ud800孤立代理项"]
    assert _TextBounds.among(FACTS, unlike, 90) == []
    assert _TextBounds.among("\ud800孤立代理项", unlike, 90) == [2]
