"""The classification engine: every pack's rules in one pass over the text.

A category is labelled when the weights of its rules that fired (each rule
counts once) reach the pack threshold. A negation cue within its window before
or after a hit cancels that hit. One Aho-Corasick pass finds the terms every
rule needs first; a rule is looked at only when those occur, regexes run only
behind their gate terms and fuzzy scoring only when enough pieces of a long
phrase occur. Classifying is deterministic.
"""

from collections.abc import Sequence
from datetime import date, datetime
from types import MappingProxyType

from app.rules import matching
from app.rules.classification import (
    CategoryResult,
    Classification,
    Hit,
    NatureResult,
    Negation,
)
from app.rules.compiler import Compiler, Entry, compile_pack
from app.rules.matching import ALPHA, CompiledRule, Found, Raw, wide
from app.rules.natures import FALLBACK, Nature
from app.rules.normalise import Normalised, normalise
from app.rules.packs import LegalBasis, RulePack

MAX_HITS_PER_RULE = 10
_CACHE_LIMIT = 4096


def build(packs: Sequence[RulePack], natures: Sequence[Nature]) -> "Engine":
    """Compile packs and natures into an engine."""
    compiler = Compiler()
    entries = [e for i, p in enumerate(packs) for e in compile_pack(compiler, i, p)]
    nature_base = compiler.slots
    nature_slots: list[tuple[int, float]] = []
    for index, nature in enumerate(natures):
        for term, weight in nature.keywords:
            compiler.slot([term])
            nature_slots.append((index, weight))
    return Engine(
        tuple(packs), tuple(natures), compiler, entries, nature_base, nature_slots
    )


class Engine:
    """Compiled packs and natures; `classify` is the entry point."""

    def __init__(
        self,
        packs: tuple[RulePack, ...],
        natures: tuple[Nature, ...],
        compiler: Compiler,
        entries: list[Entry],
        nature_base: int,
        nature_slots: list[tuple[int, float]],
    ) -> None:
        self.packs = packs
        self.natures = natures
        # Every literal the packs and natures list, normalised (not fuzzy pieces).
        self.exact_terms = frozenset(compiler.exact)
        self.pack_versions = MappingProxyType({p.id: p.version for p in packs})
        self._automaton = compiler.automaton()
        self._entries = tuple(entries)
        # A rule is looked at only when its first needed slot has hits.
        self._by_slot: dict[int, list[int]] = {}
        for order, entry in enumerate(entries):
            for slot in (min(entry.needs),) if entry.needs else entry.needs_any:
                self._by_slot.setdefault(slot, []).append(order)
        self._always = frozenset(
            order for order, e in enumerate(entries) if not e.needs and not e.needs_any
        )
        self._nature_slots = {
            nature_base + offset: keyword for offset, keyword in enumerate(nature_slots)
        }
        self._boosts: dict[str, list[tuple[int, float]]] = {}
        for index, nature in enumerate(natures):
            for category, weight in nature.categories:
                self._boosts.setdefault(category, []).append((index, weight))
        # With nothing found a category's result depends on (pack, date) only.
        self._empty: dict[date | None, tuple[CategoryResult, ...]] = {}
        self._basis: dict[tuple[int, date | None], tuple[LegalBasis, ...]] = {}

    def classify(self, text: str, conduct_date: date | None = None) -> Classification:
        """Classify one complaint text.

        `conduct_date` picks the legal provisions in force on that day; None
        cites each pack's provisions that have no end date (the current text).
        """
        if isinstance(conduct_date, datetime):
            conduct_date = conduct_date.date()
        norm = normalise(text)
        found = self._scan(norm.text)
        candidates = set(self._always)
        by_slot = self._by_slot
        for slot in found:
            orders = by_slot.get(slot)
            if orders is not None:
                candidates.update(orders)
        present = found.keys()
        by_pack: dict[int, list[CompiledRule]] = {}
        for order in sorted(candidates):
            entry = self._entries[order]
            # Indexed under one needed slot (or each of needs_any), an entry
            # is ready unless it needs further slots.
            if len(entry.needs) < 2 or present >= entry.needs:
                by_pack.setdefault(entry.pack, []).append(entry.rule)
        results = list(self._empty_results(conduct_date))
        for index, rules in by_pack.items():
            results[index] = self._evaluate(index, rules, found, norm, conduct_date)
        labels = tuple(r.category for r in results if r.labelled)
        return Classification(
            labels=labels,
            categories=tuple(results),
            nature=self._nature(found, labels),
            pack_versions=self.pack_versions,
            conduct_date=conduct_date,
        )

    def _scan(self, text: str) -> Found:
        found: Found = {}
        get = found.get  # this loop runs for every hit of every text
        last = len(text) - 1
        hits = self._automaton.iter(wide(text))
        for end, (length, plain, bounded, check_start, check_end) in hits:
            if end & 3 != 3:
                continue  # a byte match across character boundaries
            stop = (end >> 2) + 1
            span = (stop - length, stop)
            for slot in plain:
                bucket = get(slot)
                if bucket is None:
                    found[slot] = [span]
                else:
                    bucket.append(span)
            if bounded:
                if check_start and span[0] and text[span[0] - 1] in ALPHA:
                    continue
                if check_end and stop <= last and text[stop] in ALPHA:
                    continue
                for slot in bounded:
                    found.setdefault(slot, []).append(span)
        return found

    def _evaluate(
        self,
        index: int,
        rules: list[CompiledRule],
        found: Found,
        norm: Normalised,
        day: date | None,
    ) -> CategoryResult:
        pack = self.packs[index]
        hits: list[Hit] = []
        negations: list[Negation] = []
        score = 0.0
        for cr in rules:
            kept: list[Raw] = []
            for raw in matching.evaluate(cr, found, norm.text):
                cue = (
                    matching.negated_by(cr, raw.anchor, norm.text)
                    if cr.negations
                    else None
                )
                if cue is None:
                    kept.append(raw)
                else:
                    negations.append(
                        matching.negation(pack.category, cr, raw, cue, norm)
                    )
            if kept:
                score += cr.rule.weight
                hits.extend(
                    matching.hit(pack.category, cr, raw, norm)
                    for raw in kept[:MAX_HITS_PER_RULE]
                )
        if not hits and not negations:
            return self._empty_results(day)[index]
        score = round(score, 4)
        return CategoryResult(
            category=pack.category,
            pack_id=pack.id,
            pack_version=pack.version,
            name_zh=pack.name_zh,
            name_en=pack.name_en,
            severity=pack.severity,
            score=score,
            threshold=pack.threshold,
            labelled=score >= pack.threshold,
            hits=tuple(hits),
            negations=tuple(negations),
            legal_basis=self._legal_basis(index, day),
            pledge_clauses=pack.pledge_clauses,
        )

    def _empty_results(self, day: date | None) -> tuple[CategoryResult, ...]:
        cached = self._empty.get(day)
        if cached is None:
            if len(self._empty) > _CACHE_LIMIT:
                self._empty.clear()
            cached = tuple(
                CategoryResult(
                    category=pack.category,
                    pack_id=pack.id,
                    pack_version=pack.version,
                    name_zh=pack.name_zh,
                    name_en=pack.name_en,
                    severity=pack.severity,
                    score=0.0,
                    threshold=pack.threshold,
                    labelled=False,
                    hits=(),
                    negations=(),
                    legal_basis=self._legal_basis(index, day),
                    pledge_clauses=pack.pledge_clauses,
                )
                for index, pack in enumerate(self.packs)
            )
            self._empty[day] = cached
        return cached

    def _legal_basis(self, index: int, day: date | None) -> tuple[LegalBasis, ...]:
        cached = self._basis.get((index, day))
        if cached is None:
            if len(self._basis) > _CACHE_LIMIT:
                self._basis.clear()
            provisions = self.packs[index].legal_basis
            if day is None:
                cached = tuple(b for b in provisions if b.effective_until is None)
            else:
                cached = tuple(b for b in provisions if b.in_force_on(day))
            self._basis[(index, day)] = cached
        return cached

    def _nature(self, found: Found, labels: tuple[str, ...]) -> NatureResult:
        scores = [0.0] * len(self.natures)
        nature_slots = self._nature_slots
        for slot in found:  # in scan order, so float sums are reproducible
            keyword = nature_slots.get(slot)
            if keyword is not None:
                scores[keyword[0]] += keyword[1]
        for category in labels:
            for index, weight in self._boosts.get(category, ()):
                scores[index] += weight
        best, best_score = -1, 0.0
        for index, score in enumerate(scores):
            if score > best_score:  # strictly: the earlier nature wins a tie
                best, best_score = index, score
        if best >= 0:
            chosen = self.natures[best]
            return NatureResult(
                chosen.code, chosen.name_zh, chosen.name_en, round(best_score, 4)
            )
        for nature in self.natures:
            if nature.code == FALLBACK:
                return NatureResult(nature.code, nature.name_zh, nature.name_en, 0.0)
        return NatureResult(FALLBACK, "其他", "Other", 0.0)
