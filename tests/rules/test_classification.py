from datetime import date

from app.rules.classification import (
    CategoryResult,
    Classification,
    Hit,
    NatureResult,
    basis_to_dict,
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
