"""The pack file format: TOML tables checked key by key into `packs` types.

Unknown keys, missing fields, wrong types, bad regexes, bad dates, duplicate
rule ids, windows ≤ 0 and negations aimed at unknown rules are all refused
with a `PackError` that names the file, the rule and the problem. Term lists
may name a shared vocabulary list of the pack as "@name".
"""

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from app.rules.packs import (
    PLEDGE_CLAUSES,
    SEVERITY_WORDS,
    Group,
    LegalBasis,
    PackError,
    Rule,
    RuleKind,
    RulePack,
    compile_pattern,
)

_SLUG = re.compile(r"^[a-z][a-z0-9_-]*$")
_CATEGORY = re.compile(r"^[a-z][a-z0-9_]*$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$")


def parse_pack(file: str, data: dict[str, Any]) -> RulePack:
    """Validate one decoded pack file.

    Raises:
        PackError: naming the file, the rule and the problem.
    """
    return _pack(_Ctx(file), data)


@dataclass(frozen=True)
class _Ctx:
    file: str
    rule: str | None = None

    def error(self, problem: str) -> PackError:
        return PackError(self.file, self.rule, problem)

    def keys(
        self, data: dict[str, Any], required: set[str], optional: set[str]
    ) -> None:
        unknown = sorted(set(data) - required - optional)
        if unknown:
            raise self.error(f"unknown key {unknown[0]!r}")
        missing = sorted(required - set(data))
        if missing:
            raise self.error(f"missing field {missing[0]!r}")

    def text(self, data: dict[str, Any], key: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"{key!r} must be a non-empty string")
        return value

    def number(self, value: Any, key: str, low: float, high: float) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"{key!r} must be a number")
        if not low < value <= high:
            raise self.error(f"{key!r} must be > {low} and <= {high}, got {value}")
        return float(value)

    def window(self, data: dict[str, Any]) -> int:
        value = data["window"]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.error(f"window must be a positive integer, got {value!r}")
        return value

    def strings(
        self, value: Any, key: str, vocab: dict[str, tuple[str, ...]]
    ) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise self.error(f"{key!r} must be a non-empty list of strings")
        out: list[str] = []
        for item in value:
            if not isinstance(item, str) or not item.strip():
                raise self.error(f"{key!r} holds an empty or non-string term: {item!r}")
            if item.startswith("@"):
                if item[1:] not in vocab:
                    raise self.error(f"{key!r} names unknown vocabulary {item!r}")
                out.extend(vocab[item[1:]])
            else:
                out.append(item)
        return tuple(dict.fromkeys(out))

    def day(self, value: Any, key: str) -> date:
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                raise self.error(f"bad date in {key!r}: {value!r}") from None
        if isinstance(value, datetime) or not isinstance(value, date):
            raise self.error(f"bad date in {key!r}: {value!r} (use YYYY-MM-DD)")
        return value


_PACK_KEYS = {"id", "version", "category", "name_zh", "name_en", "severity"}
_PACK_KEYS |= {"description", "threshold", "legal_basis", "pledge_clauses", "rules"}


def _pack(ctx: _Ctx, data: dict[str, Any]) -> RulePack:
    ctx.keys(data, _PACK_KEYS, {"vocab"})
    pack_id = ctx.text(data, "id")
    category = ctx.text(data, "category")
    if not _SLUG.match(pack_id) or not _CATEGORY.match(category):
        raise ctx.error("id and category must be lower-case codes like 'counterfeit'")
    vocab = _vocab(ctx, data.get("vocab", {}))
    rules_data = data["rules"]
    if not isinstance(rules_data, list) or not rules_data:
        raise ctx.error("'rules' must be a non-empty array of tables ([[rules]])")
    rules: list[Rule] = []
    for index, item in enumerate(rules_data):
        rule_id = item.get("id") if isinstance(item, dict) else None
        rule_ctx = _Ctx(
            ctx.file, rule_id if isinstance(rule_id, str) else f"#{index + 1}"
        )
        if not isinstance(item, dict):
            raise rule_ctx.error("each rule must be a table")
        rule = _rule(rule_ctx, item, vocab)
        if any(r.id == rule.id for r in rules):
            raise rule_ctx.error("duplicate rule id")
        rules.append(rule)
    _check_negations(ctx, rules)
    return RulePack(
        id=pack_id,
        version=_version(ctx, data["version"]),
        category=category,
        name_zh=ctx.text(data, "name_zh"),
        name_en=ctx.text(data, "name_en"),
        severity=_severity(ctx, data["severity"]),
        description=ctx.text(data, "description"),
        threshold=ctx.number(data["threshold"], "threshold", 0, 100),
        legal_basis=tuple(
            _basis(ctx, item) for item in _tables(ctx, data, "legal_basis")
        ),
        pledge_clauses=_clauses(ctx, data["pledge_clauses"]),
        rules=tuple(rules),
        source=ctx.file,
    )


def _tables(ctx: _Ctx, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = data[key]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ctx.error(f"{key!r} must be an array of tables")
    return value


def _vocab(ctx: _Ctx, data: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(data, dict):
        raise ctx.error("'vocab' must be a table of term lists")
    return {
        name: ctx.strings(terms, f"vocab.{name}", {}) for name, terms in data.items()
    }


def _version(ctx: _Ctx, value: Any) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _SEMVER.match(value):
        return value
    raise ctx.error(f"version must be an integer or a semver string, got {value!r}")


def _severity(ctx: _Ctx, value: Any) -> int:
    if isinstance(value, str) and value in SEVERITY_WORDS:
        return SEVERITY_WORDS[value]
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return value
    raise ctx.error(f"severity must be 1-5 or low/medium/high, got {value!r}")


def _clauses(ctx: _Ctx, value: Any) -> tuple[int, ...]:
    ok = isinstance(value, list) and all(
        isinstance(v, int) and not isinstance(v, bool) and v in PLEDGE_CLAUSES
        for v in value
    )
    if not ok or len(set(value)) != len(value):
        raise ctx.error(f"pledge_clauses must be distinct integers 1-6, got {value!r}")
    return tuple(value)


def _basis(ctx: _Ctx, data: dict[str, Any]) -> LegalBasis:
    ctx.keys(data, {"law", "article", "summary", "effective_from"}, {"effective_until"})
    start = ctx.day(data["effective_from"], "effective_from")
    end = (
        ctx.day(data["effective_until"], "effective_until")
        if "effective_until" in data
        else None
    )
    if end is not None and end < start:
        raise ctx.error(f"effective_until {end} is before effective_from {start}")
    return LegalBasis(
        law=ctx.text(data, "law"),
        article=ctx.text(data, "article"),
        summary=ctx.text(data, "summary"),
        effective_from=start,
        effective_until=end,
    )


_COMMON = {"id", "kind", "description"}
_KIND_KEYS: dict[RuleKind, tuple[set[str], set[str]]] = {
    RuleKind.TERMS: ({"terms"}, {"weight"}),
    RuleKind.FUZZY: ({"terms"}, {"weight", "threshold"}),
    RuleKind.REGEX: ({"pattern"}, {"weight", "gate", "at_gate"}),
    RuleKind.NEAR: ({"all_of", "window"}, {"any_of", "weight"}),
    RuleKind.NEGATION: ({"window"}, {"before", "after", "applies_to"}),
}


def _rule(ctx: _Ctx, data: dict[str, Any], vocab: dict[str, tuple[str, ...]]) -> Rule:
    rule_id = ctx.text(data, "id")
    if not _SLUG.match(rule_id):
        raise ctx.error("rule id must be a lower-case slug like 'fake-terms'")
    raw_kind = data.get("kind")
    if raw_kind not in set(RuleKind):
        raise ctx.error(
            f"unknown rule kind {raw_kind!r} (expected one of: {', '.join(RuleKind)})"
        )
    kind = RuleKind(raw_kind)
    required, optional = _KIND_KEYS[kind]
    ctx.keys(data, required | {"id", "kind"}, optional | _COMMON)
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ctx.error("'description' must be a string")
    rule = Rule(id=rule_id, kind=kind, description=description)
    if kind is RuleKind.NEGATION:
        if "before" not in data and "after" not in data:
            raise ctx.error("a negation rule needs 'before' or 'after' cues")
        return replace(
            rule,
            window=ctx.window(data),
            before=ctx.strings(data["before"], "before", vocab)
            if "before" in data
            else (),
            after=ctx.strings(data["after"], "after", vocab) if "after" in data else (),
            applies_to=ctx.strings(data["applies_to"], "applies_to", {})
            if "applies_to" in data
            else (),
        )
    weight = ctx.number(data.get("weight", 1.0), "weight", 0, 10)
    if kind is RuleKind.TERMS:
        return replace(
            rule, weight=weight, terms=ctx.strings(data["terms"], "terms", vocab)
        )
    if kind is RuleKind.FUZZY:
        threshold = ctx.number(data.get("threshold", 85), "threshold", 50, 100)
        terms = ctx.strings(data["terms"], "terms", vocab)
        return replace(rule, weight=weight, terms=terms, threshold=threshold)
    if kind is RuleKind.REGEX:
        pattern = ctx.text(data, "pattern")
        try:
            compiled = compile_pattern(pattern)
        except re.error as err:
            raise ctx.error(f"bad regex {pattern!r}: {err}") from None
        if compiled.search("") is not None:
            raise ctx.error(f"bad regex {pattern!r}: it matches the empty string")
        gate = ctx.strings(data["gate"], "gate", vocab) if "gate" in data else ()
        at_gate = data.get("at_gate", False)
        if not isinstance(at_gate, bool) or (at_gate and not gate):
            raise ctx.error("at_gate must be true or false, and true needs a gate")
        return replace(rule, weight=weight, pattern=pattern, gate=gate, at_gate=at_gate)
    return replace(
        rule, weight=weight, groups=_groups(ctx, data, vocab), window=ctx.window(data)
    )


def _groups(
    ctx: _Ctx, data: dict[str, Any], vocab: dict[str, tuple[str, ...]]
) -> tuple[Group, ...]:
    all_of = data["all_of"]
    if not isinstance(all_of, list) or not all_of:
        raise ctx.error("'all_of' must be a non-empty list of groups")
    groups: list[Group] = []
    for item in all_of:
        if isinstance(item, str):
            groups.append(Group(ctx.strings([item], "all_of", vocab)))
        elif isinstance(item, list):
            groups.append(Group(ctx.strings(item, "all_of", vocab)))
        elif isinstance(item, dict):
            ctx.keys(item, {"terms"}, {"min"})
            terms = ctx.strings(item["terms"], "all_of.terms", vocab)
            least = item.get("min", 1)
            if (
                isinstance(least, bool)
                or not isinstance(least, int)
                or not 1 <= least <= len(terms)
            ):
                raise ctx.error(f"group 'min' must be 1..{len(terms)}, got {least!r}")
            groups.append(Group(terms, least))
        else:
            raise ctx.error(f"'all_of' holds a bad group: {item!r}")
    if "any_of" in data:
        groups.append(Group(ctx.strings(data["any_of"], "any_of", vocab)))
    if len(groups) < 2:
        raise ctx.error("a near rule needs at least two groups (all_of + any_of)")
    return tuple(groups)


def _check_negations(ctx: _Ctx, rules: list[Rule]) -> None:
    scoring = {r.id for r in rules if r.kind is not RuleKind.NEGATION}
    if not scoring:
        raise ctx.error("a pack needs at least one rule that is not a negation")
    for rule in rules:
        for target in rule.applies_to:
            if target not in scoring:
                raise _Ctx(ctx.file, rule.id).error(
                    f"applies_to names unknown rule {target!r}"
                )
