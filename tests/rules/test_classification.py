import hashlib
import json
from datetime import date

from app.rules import engine, natures, packs
from app.rules.classification import (
    CategoryResult,
    Classification,
    Hit,
    NatureResult,
    basis_to_dict,
    expand,
)
from app.rules.packs import LegalBasis

BASIS = LegalBasis(
    "反垄断法（2007）", "第十七条", "限定交易。", date(2008, 8, 1), date(2022, 7, 31)
)
HIT = Hit("counterfeit", "counterfeit.fake-terms", "terms", "假货", (2, 4), 1.0)


def _result(category: str, labelled: bool) -> CategoryResult:
    return CategoryResult(
        category=category,
        pack_id=category,
        pack_version=1,
        name_zh="假冒伪劣",
        name_en="Counterfeit",
        severity=5,
        score=1.0 if labelled else 0.5,
        threshold=1.0,
        labelled=labelled,
        hits=(HIT,),
        negations=(),
        legal_basis=(BASIS,),
        pledge_clauses=(2, 3),
    )


def test_explanations_hold_only_the_hits_behind_labels() -> None:
    result = Classification(
        labels=("counterfeit",),
        categories=(_result("counterfeit", True), _result("false_advertising", False)),
        nature=NatureResult("counterfeit", "假冒", "Counterfeit", 4.5),
        pack_versions={"counterfeit": 1, "false_advertising": "1.2.0"},
        conduct_date=date(2021, 5, 1),
    )

    data = result.to_dict()

    assert data["labels"] == ["counterfeit"]
    assert data["explanations"] == [HIT.to_dict()]
    assert [c["category"] for c in data["categories"]] == [
        "counterfeit",
        "false_advertising",
    ]
    assert data["pack_versions"] == {"counterfeit": 1, "false_advertising": "1.2.0"}
    assert data["conduct_date"] == "2021-05-01"
    assert data["nature"]["code"] == "counterfeit"


def test_hit_leaves_out_empty_optional_fields() -> None:
    assert "score" not in HIT.to_dict()
    assert "parts" not in HIT.to_dict()


def test_legal_basis_dates_are_iso_strings() -> None:
    assert basis_to_dict(BASIS)["effective_until"] == "2022-07-31"
    assert basis_to_dict(BASIS)["effective_from"] == "2008-08-01"


def _restored(result: Classification) -> dict[str, object]:
    stored, citations = result.to_stored()
    return expand(json.loads(stored), {k: json.loads(v) for k, v in citations.items()})


def test_stored_text_and_citations_give_back_the_dict() -> None:
    quiet = _result("false_advertising", False)
    quiet = CategoryResult(**{**_fields(quiet), "hits": (), "score": 0.0})
    result = Classification(
        labels=("counterfeit",),
        categories=(_result("counterfeit", True), quiet, quiet),
        nature=NatureResult("counterfeit", "假冒", "Counterfeit", 4.5),
        pack_versions={"counterfeit": 1},
        conduct_date=None,
    )

    stored, citations = result.to_stored()

    assert _restored(result) == result.to_dict()
    assert stored == _as_json_writes_it(result)
    assert "legal_basis" not in stored and "限定交易" not in stored
    assert len(citations) == 2  # one per distinct citation, not per category
    for key, text in citations.items():
        assert key == hashlib.sha256(text.encode()).hexdigest()[:32]
        assert "限定交易" in text  # characters as themselves, not escaped


def _as_json_writes_it(result: Classification) -> str:
    # Assembled from fragments, the stored text is what json writes for the whole.
    whole = {
        **result.to_dict_without_categories(),
        "categories": [
            {**c.findings(), "cited": c.citation()[0]} for c in result.categories
        ],
    }
    return json.dumps(whole, ensure_ascii=False)


def test_a_citation_follows_what_its_category_cites() -> None:
    result = _result("counterfeit", True)
    # The same provisions (one tuple object), cited under another name.
    renamed = CategoryResult(**{**_fields(result), "name_zh": "另一个名字"})

    for category in (result, renamed, result):
        key, text = category.citation()
        assert json.loads(text) == category.cited()
        assert key == hashlib.sha256(text.encode()).hexdigest()[:32]
    assert result.citation() != renamed.citation()


def test_expand_keeps_whole_and_unknown_categories_as_they_are() -> None:
    whole = _result("counterfeit", True).to_dict()
    unknown = {"category": "x", "score": 0.0, "cited": "0" * 32}
    stored = {"labels": [], "categories": [whole, unknown]}
    assert expand(stored, {}) == stored


def test_engine_results_stored_and_expanded_read_as_the_dict() -> None:
    built = engine.build(
        packs.load_dir(packs.PACKS_DIR), natures.load(natures.NATURES_FILE)
    )
    texts = [
        "买到的名牌包是假货，商家还说是正品。",
        "页面宣传的功效根本没有，先涨价再打折，价格欺诈。",
        "老用户打车比新用户贵，大数据杀熟。",
        "这不是假货，东西没问题，只是物流太慢。",
        "平台要求商家二选一，不许在别家开店。",
        "没有任何问题的一段话。",
    ]
    keys = set()
    for day in (date(2021, 5, 1), date(2023, 1, 1), None):
        for text in texts:
            result = built.classify(text, conduct_date=day)
            assert _restored(result) == result.to_dict()
            assert result.to_stored()[0] == _as_json_writes_it(result)
            keys |= set(result.to_stored()[1])
    # The law changed between the dates (反垄断法 2022): citations differ by date.
    assert len(keys) > len(built.packs)


def _fields(category: CategoryResult) -> dict[str, object]:
    return {name: getattr(category, name) for name in CategoryResult.__slots__}
