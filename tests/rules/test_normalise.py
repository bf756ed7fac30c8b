import unicodedata

import pytest

from app.rules.normalise import normalise, normalise_term


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＬＶ包包是高仿！！", "lv包包是高仿!!"),
        ("買到假貨，客服還不處理", "买到假货,客服还不处理"),
        ("Not A FAKE", "not a fake"),
        ("假货\n\n  真的", "假货 真的"),
        ("外賣平臺強行下架", "外卖平台强行下架"),
        ("😡假貨", "😡假货"),
    ],
)
def test_normalises_width_case_whitespace_and_script(text: str, expected: str) -> None:
    assert normalise(text).text == expected


def test_keeps_positions_when_only_one_to_one_changes_happen() -> None:
    result = normalise("ＬＶ包包是假貨")

    assert result.starts is None
    assert result.original_span(5, 7) == (5, 7)


def test_maps_spans_back_across_collapsed_whitespace() -> None:
    text = "物流  \n 很慢，收到假貨"
    result = normalise(text)
    start = result.text.index("假货")

    begin, end = result.original_span(start, start + 2)

    assert text[begin:end] == "假貨"


def test_maps_spans_back_across_expanding_characters() -> None:
    text = "ﬁne Straße 假貨"
    result = normalise(text)
    start = result.text.index("假货")

    begin, end = result.original_span(start, start + 2)

    assert result.text.startswith("fine strasse")
    assert text[begin:end] == "假貨"


@pytest.mark.parametrize(
    "text",
    [
        "e\u0301",
        "ﾊﾟ",  # a half-width mark that both expands and composes
        "退款ﾊﾞ",
        "㎏\u0301",  # marks after a character that expands
        "ﬁ\u0308\u0301假貨",
    ],
)
def test_composes_combining_marks_like_nfkc(text: str) -> None:
    result = normalise(text)
    expected = unicodedata.normalize("NFKC", text).casefold().replace("貨", "货")

    assert result.text == expected
    assert result.original_span(0, len(result.text)) == (0, len(text))


def test_normalises_terms_the_same_way_as_texts() -> None:
    assert normalise_term("大數據殺熟") == "大数据杀熟"
