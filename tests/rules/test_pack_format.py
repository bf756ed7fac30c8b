from typing import Any

import pytest

from app.rules.pack_format import parse_pack
from app.rules.packs import PackError, RuleKind


def _pack(*rules: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": "sample",
        "version": "1.2.0",
        "category": "sample",
        "name_zh": "样例",
        "name_en": "Sample",
        "severity": 2,
        "description": "For tests.",
        "threshold": 1,
        "pledge_clauses": [],
        "legal_basis": [],
        "rules": list(rules),
        **extra,
    }


def test_expands_vocabulary_and_keeps_semver_versions() -> None:
    data = _pack(
        {"id": "r", "kind": "terms", "terms": ["@a", "丙"]},
        vocab={"a": ["甲", "乙", "甲"]},
    )

    pack = parse_pack("x.toml", data)

    assert pack.version == "1.2.0"
    assert pack.rules[0].terms == ("甲", "乙", "丙")
    assert pack.rules[0].kind is RuleKind.TERMS


def test_reads_a_group_needing_several_distinct_terms() -> None:
    rule = {
        "id": "r",
        "kind": "near",
        "window": 9,
        "all_of": [{"terms": ["甲", "乙"], "min": 2}, "丙"],
    }

    group = parse_pack("x.toml", _pack(rule)).rules[0].groups[0]

    assert (group.terms, group.min_distinct) == (("甲", "乙"), 2)


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"id": "r", "kind": "regex", "pattern": "a", "at_gate": True}, "needs a gate"),
        (
            {
                "id": "r",
                "kind": "near",
                "window": 9,
                "all_of": [{"terms": ["甲"], "min": 2}, "乙"],
            },
            "'min'",
        ),
        ({"id": "r", "kind": "negation", "window": 2}, "needs 'before' or 'after'"),
        ({"id": "R 1", "kind": "terms", "terms": ["甲"]}, "lower-case slug"),
    ],
)
def test_refuses_rules_it_cannot_run(rule: dict[str, Any], problem: str) -> None:
    with pytest.raises(PackError, match=problem):
        parse_pack("x.toml", _pack(rule, {"id": "z", "kind": "terms", "terms": ["乙"]}))


def test_refuses_a_pack_of_negations_only() -> None:
    rule = {"id": "n", "kind": "negation", "window": 2, "before": ["不是"]}

    with pytest.raises(PackError, match="at least one rule that is not a negation"):
        parse_pack("x.toml", _pack(rule))
