from app.rules import matching


def test_lookup_finds_every_term_and_keeps_english_words_whole() -> None:
    found = matching.Lookup(["没有", "并没有", "not"])
    text = "并没有 cannot not"

    assert sorted(found.spans(text, 0, len(text))) == [(0, 3), (1, 3), (11, 14)]


def test_lookup_searches_only_inside_the_window() -> None:
    found = matching.Lookup(["平台"])
    text = "平台要求商家二选一，平台"

    assert found.spans(text, 2, 9) == []
    assert found.spans(text, -5, 3) == [(0, 2)]


def test_matched_text_shows_long_near_matches_as_their_parts() -> None:
    text = "独家协议" + "，" * 30 + "下架"

    shown = matching.matched_text(text, (0, 36), ((0, 4), (34, 36)))

    assert shown == "独家协议 … 下架"
