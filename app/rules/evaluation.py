"""How well the packs label a hand-labelled set of complaints.

Scores are per category (precision, recall, F1), then micro F1 (pooled counts)
and macro F1 (mean of F1s) over the four categories the campaign requires.
Other categories (price_fraud) are scored on their own and kept out of both
averages. A ratio with nothing to count (no labels and no predictions) is 1.0;
with predictions or labels but no hit it is 0.0. Mistakes list, per complaint,
the required labels expected and got.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

REQUIRED = (
    "exclusive_dealing",
    "price_discrimination",
    "counterfeit",
    "false_advertising",
)
EXTRA = ("price_fraud",)


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    text: str
    labels: frozenset[str]


@dataclass(frozen=True, slots=True)
class CategoryScore:
    category: str
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass(frozen=True, slots=True)
class Mistake:
    id: str
    expected: tuple[str, ...]
    got: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Report:
    examples: int
    categories: tuple[CategoryScore, ...]
    extra: tuple[CategoryScore, ...]
    micro_f1: float
    macro_f1: float
    mistakes: tuple[Mistake, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "categories": [_score_dict(c) for c in self.categories],
            "extra": [_score_dict(c) for c in self.extra],
            "micro_f1": self.micro_f1,
            "macro_f1": self.macro_f1,
            "mistakes": [
                {"id": m.id, "expected": list(m.expected), "got": list(m.got)}
                for m in self.mistakes
            ],
        }


def evaluate(
    examples: Iterable[Example],
    predict: Callable[[str], Iterable[str]],
    required: tuple[str, ...] = REQUIRED,
    extra: tuple[str, ...] = EXTRA,
) -> Report:
    """Score `predict` (text -> category codes) against the examples' labels."""
    counts = {c: [0, 0, 0] for c in required + extra}  # tp, fp, fn
    mistakes: list[Mistake] = []
    total = 0
    for example in examples:
        total += 1
        got = set(predict(example.text))
        for category, tally in counts.items():
            expected, predicted = category in example.labels, category in got
            tally[0] += expected and predicted
            tally[1] += predicted and not expected
            tally[2] += expected and not predicted
        want = tuple(c for c in required if c in example.labels)
        have = tuple(c for c in required if c in got)
        if want != have:
            mistakes.append(Mistake(example.id, want, have))
    scores = tuple(_score(c, *counts[c]) for c in required)
    tp, fp, fn = (sum(counts[c][i] for c in required) for i in range(3))
    micro = _score("micro", tp, fp, fn).f1
    macro = round(sum(s.f1 for s in scores) / len(scores), 4) if scores else 1.0
    return Report(
        examples=total,
        categories=scores,
        extra=tuple(_score(c, *counts[c]) for c in extra),
        micro_f1=micro,
        macro_f1=macro,
        mistakes=tuple(mistakes),
    )


def _score(category: str, tp: int, fp: int, fn: int) -> CategoryScore:
    if tp + fp + fn == 0:
        return CategoryScore(category, 0, 0, 0, 1.0, 1.0, 1.0)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return CategoryScore(
        category, tp, fp, fn, round(precision, 4), round(recall, 4), round(f1, 4)
    )


def _score_dict(score: CategoryScore) -> dict[str, Any]:
    return {
        "category": score.category,
        "precision": score.precision,
        "recall": score.recall,
        "f1": score.f1,
        "tp": score.tp,
        "fp": score.fp,
        "fn": score.fn,
        "support": score.support,
    }
