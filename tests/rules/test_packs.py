from datetime import date
from pathlib import Path

import pytest

from app.rules import packs

VALID = """
id = "sample"
version = 1
category = "sample"
name_zh = "样例"
name_en = "Sample"
severity = "medium"
description = "A pack for tests."
threshold = 1.0
pledge_clauses = [2, 6]

[[legal_basis]]
law = "反垄断法（2007）"
article = "第十七条"
summary = "滥用市场支配地位。"
effective_from = 2008-08-01
effective_until = 2022-07-31

[[legal_basis]]
law = "反垄断法（2022修正）"
article = "第二十二条"
summary = "同一禁止行为重新编号。"
effective_from = 2022-08-01

[vocab]
fakes = ["假货", "高仿"]

[[rules]]
id = "r1"
kind = "terms"
terms = ["@fakes", "fake"]
weight = 1.0

[[rules]]
id = "r2"
kind = "near"
all_of = [["二选一"], ["平台", "商家"]]
window = 10

[[rules]]
id = "r3"
kind = "negation"
before = ["不是"]
window = 3
applies_to = ["r1"]
"""


def _write(tmp_path: Path, text: str, name: str = "broken.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_a_valid_pack_into_frozen_dataclasses(tmp_path: Path) -> None:
    pack = packs.load_file(_write(tmp_path, VALID, "sample.toml"))

    assert pack.id == "sample"
    assert pack.severity == 3
    assert pack.pledge_clauses == (2, 6)
    assert pack.rules[0].terms == ("假货", "高仿", "fake")
    assert pack.rules[1].groups[1].terms == ("平台", "商家")
    assert pack.rules[2].applies_to == ("r1",)
    with pytest.raises(AttributeError):
        pack.id = "other"  # type: ignore[misc]


def test_loads_the_shipped_packs_with_the_required_categories() -> None:
    loaded = packs.load_dir(packs.PACKS_DIR)

    categories = {p.category for p in loaded}
    assert {"exclusive_dealing", "price_discrimination", "counterfeit"} <= categories
    assert "false_advertising" in categories
    for pack in loaded:
        assert pack.legal_basis
        assert set(pack.pledge_clauses) <= set(range(1, 7))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2021, 5, 1), ["反垄断法（2007）"]),
        (date(2022, 7, 31), ["反垄断法（2007）"]),
        (date(2022, 8, 1), ["反垄断法（2022修正）"]),
        (date(2008, 7, 31), []),
    ],
)
def test_cites_only_provisions_in_force_on_the_day(
    tmp_path: Path, day: date, expected: list[str]
) -> None:
    pack = packs.load_file(_write(tmp_path, VALID, "sample.toml"))

    assert [b.law for b in packs.legal_basis_on(pack, day)] == expected


BROKEN_RULES = [
    ('kind = "terms"', 'kind = "fuzzzy"', "r1", "unknown rule kind 'fuzzzy'"),
    ('terms = ["@fakes", "fake"]', 'pattern = "("', "r1", "unknown key 'pattern'"),
    ('terms = ["@fakes", "fake"]', "", "r1", "missing field 'terms'"),
    ("weight = 1.0", "wieght = 1.0", "r1", "unknown key 'wieght'"),
    (
        'terms = ["@fakes", "fake"]',
        'terms = ["@fake"]',
        "r1",
        "unknown vocabulary '@fake'",
    ),
    (
        'terms = ["@fakes", "fake"]',
        'terms = ["假货", " "]',
        "r1",
        "empty or non-string",
    ),
    ("weight = 1.0", "weight = 0", "r1", "'weight' must be > 0"),
    ("window = 10", "window = 0", "r2", "window must be a positive integer"),
    ("window = 10", "window = -3", "r2", "window must be a positive integer"),
    (
        'all_of = [["二选一"], ["平台", "商家"]]',
        'all_of = [["二选一"]]',
        "r2",
        "two groups",
    ),
    ('applies_to = ["r1"]', 'applies_to = ["r9"]', "r3", "unknown rule 'r9'"),
    ('id = "r2"', 'id = "r1"', "r1", "duplicate rule id"),
]


@pytest.mark.parametrize(("old", "new", "rule", "problem"), BROKEN_RULES)
def test_a_rule_mistake_names_the_file_the_rule_and_the_problem(
    tmp_path: Path, old: str, new: str, rule: str, problem: str
) -> None:
    path = _write(tmp_path, VALID.replace(old, new, 1))

    with pytest.raises(packs.PackError) as caught:
        packs.load_file(path)

    message = str(caught.value)
    assert "broken.toml" in message
    assert f"rule '{rule}'" in message
    assert problem in message


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [("(", "bad regex '(': missing )"), ("a*", "matches the empty string")],
)
def test_a_bad_regex_names_the_file_the_rule_and_the_pattern(
    tmp_path: Path, pattern: str, problem: str
) -> None:
    text = VALID.replace(
        'kind = "terms"\nterms = ["@fakes", "fake"]',
        f"kind = \"regex\"\npattern = '{pattern}'",
    )

    with pytest.raises(packs.PackError, match="broken.toml: rule 'r1'") as caught:
        packs.load_file(_write(tmp_path, text))

    assert problem in str(caught.value)


BROKEN_PACKS = [
    ("effective_from = 2022-08-01", 'effective_from = "2022-13-01"', "bad date"),
    ("effective_from = 2022-08-01", "effective_from = 2022-08-01T10:00:00", "bad date"),
    ("effective_until = 2022-07-31", "effective_until = 2001-01-01", "is before"),
    ("version = 1", 'version = "one"', "version must be"),
    ('severity = "medium"', "severity = 9", "severity must be"),
    ("pledge_clauses = [2, 6]", "pledge_clauses = [2, 7]", "pledge_clauses"),
    (
        'name_en = "Sample"',
        'name_en = "Sample"\ncolour = "red"',
        "unknown key 'colour'",
    ),
    ("threshold = 1.0\n", "", "missing field 'threshold'"),
    ('id = "sample"', 'id = "sample', "cannot read TOML"),
]


@pytest.mark.parametrize(("old", "new", "problem"), BROKEN_PACKS)
def test_a_pack_mistake_names_the_file_and_the_problem(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    with pytest.raises(packs.PackError) as caught:
        packs.load_file(_write(tmp_path, VALID.replace(old, new, 1)))

    assert "broken.toml" in str(caught.value)
    assert problem in str(caught.value)


def test_refuses_two_packs_for_one_category(tmp_path: Path) -> None:
    _write(tmp_path, VALID, "a.toml")
    _write(tmp_path, VALID.replace('id = "sample"', 'id = "other"'), "b.toml")

    with pytest.raises(packs.PackError, match="duplicate pack category 'sample'"):
        packs.load_dir(tmp_path)


def test_refuses_a_directory_without_packs(tmp_path: Path) -> None:
    with pytest.raises(packs.PackError, match="no pack files"):
        packs.load_dir(tmp_path)
    with pytest.raises(packs.PackError, match="no such directory"):
        packs.load_dir(tmp_path / "missing")
