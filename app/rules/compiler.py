"""Compiling packs for the engine: literals into one automaton, rules into matchers.

Every literal a rule needs before it can fire (terms, the first group of a near
rule, regex gates, pieces of long fuzzy phrases) and every nature keyword goes
into one Aho-Corasick automaton, tagged with the slots it feeds. Words that only
matter next to such a hit (later near groups, negation cues) are compiled into
small lookups instead, so common words stay out of the per-text scan.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import ahocorasick

from app.rules import matching
from app.rules.matching import ALPHA, CompiledNegation, CompiledRule, wide
from app.rules.normalise import normalise_term
from app.rules.packs import RuleKind, RulePack, compile_pattern

FUZZY_MIN_LENGTH = 5  # shorter Chinese terms score >= 80 only when exact


class Compiler:
    """Collects literals into one automaton, each tagged with the slots it feeds.

    A slot is one list of terms (a rule's terms, a near rule's first group, a
    regex gate, a nature keyword); its hits are what rules read.
    """

    def __init__(self) -> None:
        self.plain: dict[str, set[int]] = {}
        self.bounded: dict[str, set[int]] = {}
        self.slots = 0
        self.exact: set[str] = set()

    def slot(self, terms: Sequence[str], anchors: bool = False) -> int:
        """Register terms under a new slot and return it; anchors are fuzzy pieces."""
        slot = self.slots
        self.slots += 1
        for term in terms:
            key = normalise_term(term)
            # English words must stand alone: "fake" is not inside "fakery".
            ascii_edges = key[0] in ALPHA or key[-1] in ALPHA
            target = self.plain if anchors or not ascii_edges else self.bounded
            target.setdefault(key, set()).add(slot)
            if not anchors:
                self.exact.add(key)
        return slot

    def lookup(self, terms: Sequence[str]) -> matching.Lookup:
        """Compile terms searched for only near a hit, outside the automaton."""
        keys = [normalise_term(t) for t in terms]
        self.exact.update(keys)
        return matching.Lookup(keys)

    def automaton(self) -> "ahocorasick.Automaton":
        """Build the automaton; each key's value says which slots it feeds."""
        auto = ahocorasick.Automaton()
        for key in sorted(self.plain.keys() | self.bounded.keys()):
            plain = tuple(sorted(self.plain.get(key, ())))
            bounded = tuple(sorted(self.bounded.get(key, ())))
            value = (len(key), plain, bounded, key[0] in ALPHA, key[-1] in ALPHA)
            auto.add_word(wide(key), value)
        auto.make_automaton()
        return auto


@dataclass(frozen=True, slots=True)
class Entry:
    """A compiled rule, the pack it scores for, and the slots it waits for."""

    pack: int
    rule: CompiledRule
    needs: frozenset[int]  # every one of these slots must have hits
    needs_any: frozenset[int]  # fuzzy: at least one of these


def compile_pack(compiler: Compiler, index: int, pack: RulePack) -> list[Entry]:
    """Compile a pack's scoring rules, each with the negations aimed at it."""
    negations = [
        CompiledNegation(
            full_id=f"{pack.id}.{r.id}",
            before=compiler.lookup(r.before) if r.before else None,
            after=compiler.lookup(r.after) if r.after else None,
            window=r.window,
            applies_to=frozenset(r.applies_to),
        )
        for r in pack.rules
        if r.kind is RuleKind.NEGATION
    ]
    entries: list[Entry] = []
    for rule in pack.rules:
        if rule.kind is RuleKind.NEGATION:
            continue
        slot, least, regex = -1, 1, None
        groups: tuple[tuple[matching.Lookup, int], ...] = ()
        fuzzy: tuple[tuple[str, int, int], ...] = ()
        if rule.kind in (RuleKind.TERMS, RuleKind.FUZZY):
            slot = compiler.slot(rule.terms)
        if rule.kind is RuleKind.FUZZY:
            pieces = (_fuzzy_phrase(compiler, t) for t in rule.terms)
            fuzzy = tuple(p for p in pieces if p is not None)
        if rule.kind is RuleKind.REGEX:
            regex = compile_pattern(rule.pattern)
            slot = compiler.slot(rule.gate) if rule.gate else -1
        if rule.kind is RuleKind.NEAR:
            first, *rest = rule.groups
            slot, least = compiler.slot(first.terms), first.min_distinct
            groups = tuple((compiler.lookup(g.terms), g.min_distinct) for g in rest)
        compiled = CompiledRule(
            rule=rule,
            full_id=f"{pack.id}.{rule.id}",
            slot=slot,
            least=least,
            groups=groups,
            regex=regex,
            fuzzy=fuzzy,
            negations=tuple(
                n for n in negations if not n.applies_to or rule.id in n.applies_to
            ),
        )
        needs: tuple[int, ...] = (slot,) if slot >= 0 else ()
        needs_any: tuple[int, ...] = ()
        if rule.kind is RuleKind.FUZZY:
            needs, needs_any = (), (slot, *(f[1] for f in fuzzy))
        entries.append(Entry(index, compiled, frozenset(needs), frozenset(needs_any)))
    return entries


def _fuzzy_phrase(compiler: Compiler, term: str) -> tuple[str, int, int] | None:
    key = normalise_term(term)
    if len(key) < FUZZY_MIN_LENGTH:
        return None  # exact only: the automaton already looks for it
    # Chinese phrases are cut into bigrams, English ones into trigrams; the
    # fuzzy scorer runs only when half of the distinct pieces occur.
    size = 3 if key.isascii() else 2
    pieces = sorted({key[i : i + size] for i in range(len(key) - size + 1)})
    needed = max(2, math.ceil(len(pieces) / 2))
    return key, compiler.slot(pieces, anchors=True), needed
