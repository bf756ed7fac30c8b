"""What the engine says about one complaint, and why.

A complaint may show several banned practices at once, so every category gets
its score, its threshold and the verdict, with the rule hits behind the score
(spans point into the text as written), the hits a negation cancelled, the
legal provisions in force on the conduct date and the pledge clauses broken.
Exactly one 中消协 nature is picked alongside.
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from app.rules.packs import LegalBasis

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Hit:
    category: str
    rule: str  # "<pack id>.<rule id>"
    kind: str
    matched: str
    span: Span
    weight: float
    score: float | None = None  # fuzzy similarity, 0-100
    parts: tuple[Span, ...] = ()  # near: the span of each group's term

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "category": self.category,
            "rule": self.rule,
            "kind": self.kind,
            "matched": self.matched,
            "span": list(self.span),
            "weight": self.weight,
        }
        if self.score is not None:
            out["score"] = self.score
        if self.parts:
            out["parts"] = [list(p) for p in self.parts]
        return out


@dataclass(frozen=True, slots=True)
class Negation:
    category: str
    rule: str  # the rule whose hit was cancelled
    negated_by: str  # the negation rule
    matched: str
    span: Span
    cue: str
    cue_span: Span

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "rule": self.rule,
            "negated_by": self.negated_by,
            "matched": self.matched,
            "span": list(self.span),
            "cue": self.cue,
            "cue_span": list(self.cue_span),
        }


@dataclass(frozen=True, slots=True)
class CategoryResult:
    category: str
    pack_id: str
    pack_version: int | str
    name_zh: str
    name_en: str
    severity: int
    score: float
    threshold: float
    labelled: bool
    hits: tuple[Hit, ...]
    negations: tuple[Negation, ...]
    legal_basis: tuple[LegalBasis, ...]
    pledge_clauses: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**self.cited(), **self.findings()}

    def findings(self) -> dict[str, Any]:
        """What the text showed for this category."""
        return _findings(
            self.category,
            self.score,
            self.labelled,
            [h.to_dict() for h in self.hits],
            [n.to_dict() for n in self.negations],
        )

    def cited(self) -> dict[str, Any]:
        """What the pack says of this category on the conduct date."""
        return _cited(*self._cited_by())

    def citation(self) -> tuple[str, str]:
        """Return `cited()` as JSON text, and its key: a digest of that text."""
        # The engine hands out one tuple of provisions per pack and day, so
        # its id finds the citation without hashing every provision again;
        # the entry holds the tuple, so the id cannot be reused meanwhile.
        cited_by = self._cited_by()
        known = _CITATIONS.get(id(self.legal_basis))
        if known is not None and known[0] == cited_by:
            return known[1]
        citation = _citation(*cited_by)
        if len(_CITATIONS) >= _CITATIONS_KEPT:
            _CITATIONS.clear()
        _CITATIONS[id(self.legal_basis)] = (cited_by, citation)
        return citation

    def _cited_by(self) -> tuple[Any, ...]:
        # What `cited()` is made of: hashable, so its JSON can be cached.
        return (
            self.pack_id,
            self.pack_version,
            self.name_zh,
            self.name_en,
            self.severity,
            self.threshold,
            self.pledge_clauses,
            self.legal_basis,
        )


@dataclass(frozen=True, slots=True)
class NatureResult:
    code: str
    name_zh: str
    name_en: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "score": self.score,
        }


@dataclass(frozen=True, slots=True)
class Classification:
    labels: tuple[str, ...]
    categories: tuple[CategoryResult, ...]
    nature: NatureResult
    pack_versions: Mapping[str, int | str]
    conduct_date: date | None

    @property
    def explanations(self) -> tuple[Hit, ...]:
        """Return the hits behind the labels (hits below threshold are left out)."""
        return tuple(h for c in self.categories if c.labelled for h in c.hits)

    def category(self, code: str) -> CategoryResult:
        """Return the result for one category code."""
        for result in self.categories:
            if result.category == code:
                return result
        raise KeyError(code)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.to_dict_without_categories(),
            "categories": [c.to_dict() for c in self.categories],
        }

    def to_dict_without_categories(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "nature": self.nature.to_dict(),
            "explanations": [h.to_dict() for h in self.explanations],
            "pack_versions": dict(self.pack_versions),
            "conduct_date": self.conduct_date.isoformat()
            if self.conduct_date
            else None,
        }

    def to_stored(self) -> tuple[str, dict[str, str]]:
        """Return the JSON text to store, and the citations it refers to by key.

        What a category cites (names, threshold, pledge clauses, the
        provisions in force on the conduct date) is the same for every
        complaint under one pack version and reads several kilobytes: it is
        stored once, keyed by the digest of its text, and each complaint keeps
        its findings and the key. `expand` puts the two back together.
        """
        # The text is what json writes for the whole dict, put together from
        # pieces: a hit appears twice (explanations, its category) and is
        # encoded once; what recurs (a category's head, natures, pack
        # versions) comes from caches.
        hits: dict[int, str] = {}

        def hit_list(found: tuple[Hit, ...]) -> str:
            for hit in found:
                if id(hit) not in hits:
                    hits[id(hit)] = _dumps(hit.to_dict())
            return "[" + ", ".join(hits[id(hit)] for hit in found) + "]"

        categories, citations = [], {}
        for category in self.categories:
            key, text = category.citation()
            citations[key] = text
            negations = [n.to_dict() for n in category.negations]
            categories.append(
                _category_head(category.category, category.score, category.labelled)
                + hit_list(category.hits)
                + f', "negations": {_dumps(negations) if negations else "[]"}'
                + f', "{CITED}": "{key}"}}'
            )
        conduct = self.conduct_date.isoformat() if self.conduct_date else None
        stored = (
            f'{{"labels": {_dumps(list(self.labels))}'
            f', "nature": {_nature_json(self.nature)}'
            f', "explanations": {hit_list(self.explanations)}'
            f', "pack_versions": {versions_json(tuple(self.pack_versions.items()))}'
            f', "conduct_date": {_dumps(conduct)}'
            f', "categories": [{", ".join(categories)}]}}'
        )
        return stored, citations


def basis_to_dict(basis: LegalBasis) -> dict[str, Any]:
    """Return a legal provision as JSON-ready data."""
    return {
        "law": basis.law,
        "article": basis.article,
        "summary": basis.summary,
        "effective_from": basis.effective_from.isoformat(),
        "effective_until": basis.effective_until.isoformat()
        if basis.effective_until
        else None,
    }


CITED = "cited"  # a stored category's key to what it cites


def expand(
    stored: Mapping[str, Any], citations: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """Return a stored classification as `Classification.to_dict()` gives it.

    A category whose citation is unknown keeps its key; one stored whole (as
    classifications were before citations) is returned as it is.
    """
    categories = []
    for category in stored.get("categories") or ():
        key = category.get(CITED)
        if key in citations:
            findings = {k: v for k, v in category.items() if k != CITED}
            category = {**citations[key], **findings}
        categories.append(dict(category))
    return {**stored, "categories": categories}


_dumps = json.JSONEncoder(ensure_ascii=False).encode


def _findings(
    category: str,
    score: float,
    labelled: bool,
    hits: list[dict[str, Any]],
    negations: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "category": category,
        "score": score,
        "labelled": labelled,
        "hits": hits,
        "negations": negations,
    }


@lru_cache(maxsize=1024)
def _category_head(category: str, score: float, labelled: bool) -> str:
    """A stored category's JSON up to its hits: '{"category": ..., "hits": '."""
    whole = _dumps(_findings(category, score, labelled, [], []))
    return whole[: whole.index('[], "negations"')]


@lru_cache(maxsize=256)
def _nature_json(nature: NatureResult) -> str:
    return _dumps(nature.to_dict())


@lru_cache(maxsize=64)
def versions_json(versions: tuple[tuple[str, int | str], ...]) -> str:
    """Pack versions ((pack id, version), ...) as stored JSON text."""
    return _dumps(dict(versions))


def _cited(
    pack_id: str,
    pack_version: int | str,
    name_zh: str,
    name_en: str,
    severity: int,
    threshold: float,
    pledge_clauses: tuple[int, ...],
    legal_basis: tuple[LegalBasis, ...],
) -> dict[str, Any]:
    return {
        "pack_id": pack_id,
        "pack_version": pack_version,
        "name_zh": name_zh,
        "name_en": name_en,
        "severity": severity,
        "threshold": threshold,
        "pledge_clauses": list(pledge_clauses),
        "legal_basis": [basis_to_dict(b) for b in legal_basis],
    }


_CITATIONS: dict[int, tuple[tuple[Any, ...], tuple[str, str]]] = {}
_CITATIONS_KEPT = 256


@lru_cache(maxsize=256)
def _citation(*cited_by: Any) -> tuple[str, str]:
    text = _dumps(_cited(*cited_by))
    return hashlib.sha256(text.encode()).hexdigest()[:32], text
