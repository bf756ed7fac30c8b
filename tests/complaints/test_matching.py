import pytest

from app.complaints.matching import (
    Candidate,
    MatcherIndex,
    MatchMethod,
    core_name,
    normalise_name,
    similarity,
)

JD, MEITUAN, ELEME, JD_DAOJIA, HUAWEI, SONGHUI = 1, 2, 3, 4, 5, 6
CANDIDATES = [
    Candidate(JD, "北京京东世纪贸易有限公司", None, ("京东", "京东商城", "JD")),
    Candidate(MEITUAN, "北京三快在线科技有限公司", None, ("美团",)),
    Candidate(ELEME, "上海拉扎斯信息科技有限公司", None, ("饿了么", "Ele.me")),
    Candidate(JD_DAOJIA, "达疆网络科技（上海）有限公司", None, ("京东到家",)),
    Candidate(HUAWEI, "华为技术有限公司", "914403001922038216", ()),
    Candidate(SONGHUI, "哈尔滨松慧茶业有限公司", None, ("松慧茶业",)),
]
INDEX = MatcherIndex.build(CANDIDATES)


@pytest.mark.parametrize(
    ("name", "expected", "method"),
    [
        ("京东", JD, MatchMethod.EXACT),
        ("京东商城", JD, MatchMethod.EXACT),
        ("JD", JD, MatchMethod.EXACT),
        ("jd", JD, MatchMethod.EXACT),
        ("ＪＤ", JD, MatchMethod.EXACT),
        ("jd.com", JD, MatchMethod.EXACT),
        ("www.JD.com", JD, MatchMethod.EXACT),
        ("北京京东世纪贸易有限公司", JD, MatchMethod.EXACT),
        (" 北京 京东世纪贸易（有限公司） ", JD, MatchMethod.EXACT),
        ("北京京东世纪贸易", JD, MatchMethod.FUZZY),
        ("美团", MEITUAN, MatchMethod.EXACT),
        ("美团点评", MEITUAN, MatchMethod.FUZZY),
        ("美团外卖", MEITUAN, MatchMethod.FUZZY),
        ("北京三快在线科技有限公司", MEITUAN, MatchMethod.EXACT),
        ("饿了么", ELEME, MatchMethod.EXACT),
        ("ele.me", ELEME, MatchMethod.EXACT),
        ("ELE.ME", ELEME, MatchMethod.EXACT),
        ("餓了麼", ELEME, MatchMethod.EXACT),
        ("京东到家", JD_DAOJIA, MatchMethod.EXACT),
        ("华为", HUAWEI, MatchMethod.EXACT),
        ("华为技术", HUAWEI, MatchMethod.FUZZY),
    ],
)
def test_finds_the_enterprise_behind_a_variant_spelling(
    name: str, expected: int, method: MatchMethod
) -> None:
    result = INDEX.match(name, None)
    assert result.enterprise_id == expected
    assert result.method is method
    assert not result.needs_review
    assert result.candidates[0].enterprise_id == expected
    assert result.confidence >= 0.85


def test_literal_name_scores_one_and_names_the_alias_it_matched() -> None:
    result = INDEX.match("京东商城", None)
    assert result.confidence == 1.0
    assert result.candidates[0].matched == "京东商城"
    assert result.candidates[0].legal_name == "北京京东世纪贸易有限公司"


def test_one_sided_core_match_ranks_below_a_literal_one() -> None:
    assert 0.85 <= INDEX.match("jd.com", None).confidence < 1.0


def test_a_one_character_typo_is_suggested_but_never_guessed() -> None:
    # 饿了吗 differs from 饿了么 as 美图 differs from 美团: a real other firm is as
    # likely as a slip, so a person decides.
    result = INDEX.match("饿了吗", None)
    assert result.needs_review
    assert result.enterprise_id is None
    assert result.candidates[0].enterprise_id == ELEME
    assert result.method is MatchMethod.FUZZY


def test_exact_alias_beats_a_longer_name_that_starts_the_same() -> None:
    result = INDEX.match("京东", None)
    assert result.enterprise_id == JD


def test_query_close_to_two_enterprises_goes_to_review_with_both_listed() -> None:
    # 京东家 holds the alias 京东 (0.9) and is one character short of 京东到家
    # (0.857): within the 0.05 margin, so neither is guessed.
    result = INDEX.match("京东家", None)
    assert result.needs_review
    assert result.enterprise_id is None
    assert [c.enterprise_id for c in result.candidates[:2]] == [JD, JD_DAOJIA]
    assert result.candidates[0].score - result.candidates[1].score <= 0.05


def test_margin_is_a_parameter() -> None:
    result = INDEX.match("京东家", None, margin=0.01)
    assert result.enterprise_id == JD


def test_threshold_is_a_parameter() -> None:
    assert INDEX.match("美团外卖", None).enterprise_id == MEITUAN
    strict = INDEX.match("美团外卖", None, threshold=0.9)
    assert strict.needs_review
    assert strict.enterprise_id is None


def test_two_enterprises_sharing_an_alias_are_never_guessed() -> None:
    index = MatcherIndex.build(
        [
            Candidate(10, "杭州云帆食品有限公司", None, ("云帆",)),
            Candidate(11, "上海云帆服饰有限公司", None, ("云帆",)),
        ]
    )
    result = index.match("云帆", None)
    assert result.needs_review
    assert result.enterprise_id is None
    assert {c.enterprise_id for c in result.candidates} == {10, 11}


def test_short_name_of_a_firm_in_another_city_is_not_that_firm() -> None:
    # The cores agree (松慧茶业) but the query's region contradicts the legal name.
    result = INDEX.match("青岛松慧茶业有限公司", None)
    assert result.needs_review
    assert result.enterprise_id is None


def test_stripped_industry_word_must_not_contradict_the_legal_name() -> None:
    # 京东科技 is a different JD company: its core 京东 must not land on 京东商城
    # or, by containment, on 京东到家.
    result = INDEX.match("京东科技有限公司", None)
    assert result.needs_review
    assert result.enterprise_id is None


@pytest.mark.parametrize(
    "code",
    [
        "914403001922038216",
        " 9144-0300-1922 0382-16 ",
        "９１４４０３００１９２２０３８２１６",
    ],
)
def test_uscc_wins_over_a_name_that_points_elsewhere(code: str) -> None:
    result = INDEX.match("京东", code)
    assert result.enterprise_id == HUAWEI
    assert result.method is MatchMethod.USCC
    assert result.confidence == 1.0


def test_lower_case_uscc_is_normalised() -> None:
    index = MatcherIndex.build(
        [Candidate(7, "腾讯科技（深圳）有限公司", "9144030071526726XG", ())]
    )
    assert index.match(None, "9144030071526726xg").enterprise_id == 7


def test_unknown_uscc_falls_back_to_the_name() -> None:
    result = INDEX.match("美团", "91110000600037341L")
    assert result.enterprise_id == MEITUAN
    assert result.method is MatchMethod.EXACT


@pytest.mark.parametrize("name", ["某某小卖部", "", "   ", None, "！！"])
def test_unknown_or_empty_name_needs_review_with_no_match(name: str | None) -> None:
    result = INDEX.match(name, None)
    assert result.needs_review
    assert result.enterprise_id is None
    assert result.method is MatchMethod.NONE
    assert result.candidates == ()
    assert result.confidence == 0.0


def test_suggest_ranks_names_that_start_with_the_typed_text() -> None:
    suggestions = INDEX.suggest("京东")
    assert [s.enterprise_id for s in suggestions[:2]] == [JD, JD_DAOJIA]
    assert suggestions[0].score == 1.0


def test_suggest_works_from_one_character_and_respects_the_limit() -> None:
    suggestions = INDEX.suggest("京", limit=1)
    assert [s.enterprise_id for s in suggestions] == [JD]


def test_suggest_finds_look_alikes_and_returns_nothing_for_blank() -> None:
    assert INDEX.suggest("饿了吗")[0].enterprise_id == ELEME
    assert INDEX.suggest("  ") == []


@pytest.mark.parametrize(
    ("raw", "full", "core"),
    [
        ("北京京东世纪贸易有限公司", "北京京东世纪贸易有限公司", "京东世纪"),
        ("腾讯科技（深圳）有限公司", "腾讯科技深圳有限公司", "腾讯"),
        ("上海市拉扎斯网络科技有限公司", "上海市拉扎斯网络科技有限公司", "拉扎斯"),
        ("阿里巴巴(中国)网络技术有限公司", "阿里巴巴中国网络技术有限公司", "阿里巴巴"),
        ("ＪＤ．ＣＯＭ", "jdcom", "jd"),
        ("餓了麼", "饿了么", "饿了么"),
        ("科技有限公司", "科技有限公司", "科技有限公司"),
    ],
)
def test_normalises_full_and_core_names(raw: str, full: str, core: str) -> None:
    assert normalise_name(raw) == full
    assert core_name(raw) == core


@pytest.mark.parametrize(
    ("a", "b", "score"),
    [
        ("美团外卖", "美团", 0.85),  # brand first, one descriptor word
        ("上海云帆", "云帆", 0.775),  # something before the name: weaker
        ("饿了吗", "饿了么", 0.6667),
        ("京东", "京东", 1.0),
    ],
)
def test_similarity_credits_containment_by_position_and_coverage(
    a: str, b: str, score: float
) -> None:
    assert round(similarity(a, b), 4) == score


def test_index_size_counts_candidates() -> None:
    assert len(INDEX) == len(CANDIDATES)


def test_a_question_asked_again_gets_the_answer_it_got_first() -> None:
    index = MatcherIndex.build(CANDIDATES)
    first = index.match("美团外卖")

    assert index.match("美团外卖") is first
    # The threshold and the credit code are part of the question.
    strict = index.match("美团外卖", threshold=0.999)
    assert first.enterprise_id == MEITUAN and strict.needs_review
    assert index.match("美团外卖", "914403001922038216").enterprise_id == HUAWEI
    assert index.match("美团外卖") is first
