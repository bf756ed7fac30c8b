"""What the engine says about one complaint, and why.

A complaint may show several banned practices at once, so every category gets
its score, its threshold and the verdict, with the rule hits behind the score
(spans point into the text as written), the hits a negation cancelled, the
legal provisions in force on the conduct date and the pledge clauses broken.
Exactly one 中消协 nature is picked alongside.
"""

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
        return {
            **self._own(),
            "legal_basis": [basis_to_dict(b) for b in self.legal_basis],
        }

    def to_json(self) -> str:
        """Return `to_dict()` as JSON text; the legal texts are encoded once."""
        if not (self.hits or self.negations):
            # Most categories of most complaints: the same text all day long.
            return _quiet_category_json(self)
        return _category_json(self)

    def _own(self) -> dict[str, Any]:
        # Everything but the legal basis, which the pack and the date decide.
        return {
            "category": self.category,
            "pack_id": self.pack_id,
            "pack_version": self.pack_version,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "severity": self.severity,
            "score": self.score,
            "threshold": self.threshold,
            "labelled": self.labelled,
            "hits": [h.to_dict() for h in self.hits],
            "negations": [n.to_dict() for n in self.negations],
            "pledge_clauses": list(self.pledge_clauses),
        }


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

    def to_json(self) -> str:
        """Return `to_dict()` as JSON text, several times faster.

        Every complaint stores its classification, and most of that text is
        the same provisions cited again; those are encoded once per set.
        """
        head = self.to_dict_without_categories()
        categories = ", ".join(c.to_json() for c in self.categories)
        return f'{_dumps(head)[:-1]}, "categories": [{categories}]}}'


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


_dumps = json.JSONEncoder(ensure_ascii=False).encode


def _category_json(category: CategoryResult) -> str:
    basis = _basis_json(category.legal_basis)
    return f'{_dumps(category._own())[:-1]}, "legal_basis": {basis}}}'


_quiet_category_json = lru_cache(maxsize=256)(_category_json)


@lru_cache(maxsize=256)
def _basis_json(basis: tuple[LegalBasis, ...]) -> str:
    return _dumps([basis_to_dict(b) for b in basis])
