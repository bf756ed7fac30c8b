"""Spot a complaint that repeats one already on file; flag it, never drop it.

A new complaint duplicates an earlier one when the same complainant names the
same enterprise and the same order number, or when its facts read nearly the
same (similarity >= `threshold` after normalising) as a complaint against the
same enterprise filed within `window` before it. The earliest match is the
original, so a chain of resubmissions points back to the first filing.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from rapidfuzz import fuzz, process

from app.complaints import matching

DEFAULT_WINDOW = timedelta(days=30)
# Short texts ("退款", "没发货") say too little: two of them match by chance.
MIN_TEXT_CHARS = 10

_ORDER_NOISE = re.compile(r"[\s\-_#:/.·]+")


@lru_cache(maxsize=16384)
def _text_key(text: str) -> str:
    # The same recent complaints are compared again and again at intake:
    # normalise each text once (traditional-to-simplified is the costly step).
    return matching.normalise_name(text)


class _Fold:
    """Map every character onto one of 250 byte-sized code points (str.translate)."""

    def __getitem__(self, code: int) -> int:
        return code % 250 + 1


_FOLD = _Fold()


@lru_cache(maxsize=16384)
def _folded(key: str) -> str:
    # Folding characters together can only lengthen a longest common
    # subsequence (a common subsequence stays common), so the ratio of two
    # folded texts is never below their real ratio: a pair under the threshold
    # folded is under it for real. rapidfuzz compares byte-sized strings about
    # twice as fast as Chinese text, so most pairs are ruled out cheaply.
    return key.translate(_FOLD)


@dataclass(frozen=True)
class DupFacts:
    complaint_id: int | None  # None for a complaint not saved yet
    complainant_key: str  # e.g. a normalised phone number
    enterprise_id: int | None
    order_no: str | None
    facts_text: str
    filed_at: datetime  # aware


class DupReason(StrEnum):
    SAME_ORDER = "same_order"
    SIMILAR_TEXT = "similar_text"


@dataclass(frozen=True)
class DuplicateHit:
    original_id: int
    reason: DupReason
    score: float


@lru_cache(maxsize=65536)
def complainant_key(phone: str | None) -> str:
    """Reduce a phone number to its digits, without a +86 / 0086 country code."""
    digits = "".join(
        ch for ch in unicodedata.normalize("NFKC", phone or "") if ch.isdigit()
    )
    for prefix in ("0086", "86"):
        # Only an 11-digit mobile number loses its code; 86... landlines keep it.
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix) :]
    return digits


def normalise_order_no(raw: str | None) -> str:
    """Fold width and case and drop separators: 'ｊｄ-2021 0428' is 'JD20210428'."""
    return _ORDER_NOISE.sub("", unicodedata.normalize("NFKC", raw or "").upper())


def find_duplicate(
    new: DupFacts,
    recent: Iterable[DupFacts],
    *,
    threshold: float = 0.9,
    window: timedelta = DEFAULT_WINDOW,
    min_text_chars: int = MIN_TEXT_CHARS,
) -> DuplicateHit | None:
    """Return the earliest complaint filed before `new` that it repeats, if any.

    When one earlier complaint both shares the order and reads the same, the
    shared order is the reason given.
    """
    if new.enterprise_id is None:
        return None  # both rules need the same enterprise
    earlier = sorted(
        (
            old
            for old in recent
            if old.enterprise_id == new.enterprise_id and _filed_before(old, new)
        ),
        key=_filing_order,
    )
    same_order = _first_same_order(new, earlier)
    text = _text_key(new.facts_text)
    if len(text) >= min_text_chars:
        # Only complaints before the first same-order one can come earlier.
        stop = len(earlier) if same_order is None else same_order
        pool = [old for old in earlier[:stop] if new.filed_at - old.filed_at <= window]
        keys = [_text_key(old.facts_text) for old in pool]
        cutoff = threshold * 100
        # extract_iter yields matches in the pool's order: the first is the earliest.
        for _, _bound, i in process.extract_iter(
            _folded(text),
            [_folded(key) for key in keys],
            scorer=fuzz.ratio,
            score_cutoff=cutoff,
        ):
            score = fuzz.ratio(text, keys[i], score_cutoff=cutoff)
            if score:
                original = pool[i].complaint_id
                assert original is not None  # _filed_before checked it
                return DuplicateHit(
                    original, DupReason.SIMILAR_TEXT, round(score / 100, 4)
                )
    if same_order is not None:
        original = earlier[same_order].complaint_id
        assert original is not None
        return DuplicateHit(original, DupReason.SAME_ORDER, 1.0)
    return None


def _first_same_order(new: DupFacts, earlier: list[DupFacts]) -> int | None:
    order = normalise_order_no(new.order_no)
    person = new.complainant_key.strip()
    if not (order and person):
        return None
    for i, old in enumerate(earlier):
        if old.complainant_key.strip() == person and (
            normalise_order_no(old.order_no) == order
        ):
            return i
    return None


def _filing_order(facts: DupFacts) -> tuple[datetime, int]:
    return facts.filed_at, facts.complaint_id or 0


def _filed_before(old: DupFacts, new: DupFacts) -> bool:
    # A complaint is never its own original. At the same instant the lower id
    # came first, and an unsaved complaint comes after every saved one.
    if old.complaint_id is None or old.complaint_id == new.complaint_id:
        return False
    if old.filed_at != new.filed_at:
        return old.filed_at < new.filed_at
    return new.complaint_id is None or old.complaint_id < new.complaint_id
