from app.rules.evaluation import Example, evaluate


def _examples() -> list[Example]:
    return [
        Example("a", "假货", frozenset({"counterfeit"})),
        Example("b", "二选一", frozenset({"exclusive_dealing"})),
        Example("c", "杀熟", frozenset({"price_discrimination"})),
        Example("d", "虚假宣传", frozenset({"false_advertising", "counterfeit"})),
        Example("e", "没事", frozenset()),
    ]


ANSWERS = {
    "假货": {"counterfeit"},
    "二选一": set(),
    "杀熟": {"price_discrimination", "price_fraud"},
    "虚假宣传": {"false_advertising"},
    "没事": {"counterfeit"},
}


def test_perfect_predictions_score_one_everywhere() -> None:
    examples = _examples()
    truth = {e.text: e.labels for e in examples}

    report = evaluate(examples, lambda text: truth[text])

    assert report.macro_f1 == report.micro_f1 == 1.0
    assert report.mistakes == ()


def test_scores_each_category_and_lists_the_mistakes() -> None:
    report = evaluate(_examples(), lambda text: ANSWERS[text])

    scores = {s.category: s for s in report.categories}
    counterfeit = scores["counterfeit"]
    assert (counterfeit.tp, counterfeit.fp, counterfeit.fn) == (1, 1, 1)
    assert (counterfeit.precision, counterfeit.recall, counterfeit.f1) == (
        0.5,
        0.5,
        0.5,
    )
    assert scores["exclusive_dealing"].f1 == 0.0
    assert report.macro_f1 == round((0.5 + 0.0 + 1.0 + 1.0) / 4, 4)
    assert report.micro_f1 == round(2 * 3 / (2 * 3 + 1 + 2), 4)
    assert [(m.id, m.expected, m.got) for m in report.mistakes] == [
        ("b", ("exclusive_dealing",), ()),
        ("d", ("counterfeit", "false_advertising"), ("false_advertising",)),
        ("e", (), ("counterfeit",)),
    ]


def test_scores_price_fraud_apart_from_the_required_average() -> None:
    report = evaluate(_examples(), lambda text: ANSWERS[text])

    (fraud,) = report.extra
    assert (fraud.category, fraud.fp, fraud.support, fraud.precision) == (
        "price_fraud",
        1,
        0,
        0.0,
    )
    assert "price_fraud" not in {s.category for s in report.categories}


def test_reports_as_json_ready_data() -> None:
    data = evaluate(_examples(), lambda text: ANSWERS[text]).to_dict()

    assert data["examples"] == 5
    assert data["categories"][0]["category"] == "exclusive_dealing"
    assert data["mistakes"][0] == {
        "id": "b",
        "expected": ["exclusive_dealing"],
        "got": [],
    }
