"""Spot a complaint that repeats one already on file; flag it, never drop it.

A new complaint duplicates an earlier one when the same complainant names the
same enterprise and the same order number, or when its facts read nearly the
same (similarity >= `threshold` after normalising) as a complaint against the
same enterprise filed within `window` before it. The earliest match is the
original, so a chain of resubmissions points back to the first filing.
"""

import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

# The matrices multiplied here are small: BLAS worker threads would spend more
# CPU spinning than they save, beside web workers that use every core already.
# (Read when numpy loads its BLAS, so it is set before the first numpy import.)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from rapidfuzz import fuzz  # noqa: E402

from app.rules.normalise import normalise

DEFAULT_WINDOW = timedelta(days=30)
# Short texts ("退款", "没发货") say too little: two of them match by chance.
MIN_TEXT_CHARS = 10

_ORDER_NOISE = re.compile(r"[\s\-_#:/.·]+")
_NOT_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=16384)
def text_key(text: str) -> str:
    """Return the facts text as compared: folded as the rule engine reads it
    (NFKC width and compatibility forms, case, traditional script), without
    spaces and punctuation."""
    # The same recent complaints are compared again and again at intake:
    # normalise each text once. The engine's normaliser converts only the
    # characters that change, ~6x faster than unicodedata on Chinese text.
    return _NOT_WORD.sub("", normalise(text).text)


@dataclass(frozen=True)
class DupFacts:
    complaint_id: int | None  # None for a complaint not saved yet
    complainant_key: str  # e.g. a normalised phone number
    enterprise_id: int | None
    order_no: str | None
    facts_text: str
    filed_at: datetime  # aware
    # text_key(facts_text) when the caller has it already (worked out beside
    # the classification, in another process for an import).
    facts_key: str | None = None


def _key(facts: DupFacts) -> str:
    return text_key(facts.facts_text) if facts.facts_key is None else facts.facts_key


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


@lru_cache(maxsize=65536)
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
    rules = _Rules(threshold, window, min_text_chars)
    return _earliest(new, _key(new), (), (), list(recent), rules)


def find_repeats(
    batch: Sequence[DupFacts],
    on_file: Mapping[int, Sequence[DupFacts]],
    extras: Sequence[Sequence[DupFacts]],
    *,
    limit: int,
    threshold: float = 0.9,
    window: timedelta = DEFAULT_WINDOW,
    min_text_chars: int = MIN_TEXT_CHARS,
) -> dict[int, DuplicateHit]:
    """Return, by position, what each member of a batch repeats.

    Member `i` is compared with the `limit` newest complaints against its
    enterprise before it (the batch's earlier members, then `on_file[enterprise]`,
    newest first) and with `extras[i]`, each as `find_duplicate` would do with
    them. Members need ids (provisional ones will do) to be originals of later
    members. The text comparisons of an enterprise's members are done together.
    """
    rules = _Rules(threshold, window, min_text_chars)
    groups: dict[int, list[int]] = {}
    for pos, new in enumerate(batch):
        if new.enterprise_id is not None:
            groups.setdefault(new.enterprise_id, []).append(pos)
    hits: dict[int, DuplicateHit] = {}
    for enterprise_id, positions in groups.items():
        kept = list(on_file.get(enterprise_id, ()))[::-1]
        seq = kept + [batch[pos] for pos in positions]
        keys = [_key(old) for old in seq]
        similar = _TextBounds(keys, len(kept), rules.cutoff)
        wanted = [_order_key(batch[pos]) for pos in positions]
        orders = _positions_by_order(seq, {o for o in wanted if all(o)})
        for k, pos in enumerate(positions):
            i = len(kept) + k
            lo = max(0, i - limit)
            near = [seq[j] for j in orders.get(wanted[k], ()) if lo <= j < i]
            alike = [(seq[j], keys[j]) for j in similar.candidates(k, lo, i)]
            hit = _earliest(batch[pos], keys[i], near, alike, extras[pos], rules)
            if hit is not None:
                hits[pos] = hit
    return hits


@dataclass(frozen=True)
class _Rules:
    threshold: float
    window: timedelta
    min_text_chars: int

    @property
    def cutoff(self) -> float:
        return self.threshold * 100


def _earliest(
    new: DupFacts,
    key: str,
    near: Iterable[DupFacts],
    alike: Iterable[tuple[DupFacts, str]],
    extras: Sequence[DupFacts],
    rules: _Rules,
) -> DuplicateHit | None:
    """Apply both rules to the candidates; the earliest original wins.

    `near` may share `new`'s order and `alike` (with normalised texts) may read
    like it; `extras` may do either. Only complaints against the same
    enterprise filed before `new` count. When one earlier complaint both
    shares the order and reads the same, the shared order is the reason given.
    """
    if new.enterprise_id is None:
        return None  # both rules need the same enterprise

    def counts(old: DupFacts) -> bool:
        return old.enterprise_id == new.enterprise_id and _filed_before(old, new)

    order = _order_key(new)
    same = min(
        (
            old
            for old in (*near, *extras)
            if all(order) and counts(old) and _order_key(old) == order
        ),
        key=_filing_order,
        default=None,
    )
    if len(key) >= rules.min_text_chars:
        extra_keys = [_key(old) for old in extras]
        maybe = _TextBounds.among(key, extra_keys, rules.cutoff)
        pool = sorted(
            (
                (old, old_key)
                for old, old_key in [
                    *alike,
                    *((extras[j], extra_keys[j]) for j in maybe),
                ]
                if counts(old)
                and new.filed_at - old.filed_at <= rules.window
                # Only complaints before the first same-order one can come earlier.
                and (same is None or _filing_order(old) < _filing_order(same))
            ),
            key=lambda pair: _filing_order(pair[0]),
        )
        for old, old_key in pool:
            score = fuzz.ratio(key, old_key, score_cutoff=rules.cutoff)
            if score:
                assert old.complaint_id is not None  # _filed_before checked it
                return DuplicateHit(
                    old.complaint_id, DupReason.SIMILAR_TEXT, round(score / 100, 4)
                )
    if same is not None:
        assert same.complaint_id is not None
        return DuplicateHit(same.complaint_id, DupReason.SAME_ORDER, 1.0)
    return None


def _order_key(facts: DupFacts) -> tuple[str, str]:
    return facts.complainant_key.strip(), normalise_order_no(facts.order_no)


def _positions_by_order(
    seq: Sequence[DupFacts], wanted: set[tuple[str, str]]
) -> dict[tuple[str, str], list[int]]:
    """Where in `seq` each wanted (person, order) pair occurs."""
    people = {person for person, _ in wanted}
    found: dict[tuple[str, str], list[int]] = {}
    for j, old in enumerate(seq):
        if old.complainant_key.strip() in people:  # orders are normalised only then
            key = _order_key(old)
            if key in wanted:
                found.setdefault(key, []).append(j)
    return found


# Texts are profiled by their character counts folded into this many buckets:
# on complaint texts ~0.3 % of unrelated pairs pass the bound at 90 % (0.1 %
# with 1,024 buckets, at twice the cost of the products).
_BUCKETS = 512
# float32 sums of 512 terms are off by far less than this share.
_MARGIN = 1e-3


@lru_cache(maxsize=4096)
def _profile(key: str) -> bytes:
    # Kept as bytes: joining a few hundred of them into one matrix is ten
    # times faster than stacking arrays.
    codes = np.frombuffer(key.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    counts = np.bincount(codes % _BUCKETS, minlength=_BUCKETS)
    return np.sqrt(counts).astype(np.float32).tobytes()


class _TextBounds:
    """Rule out, many pairs at a time, texts too unlike to reach the cutoff.

    fuzz.ratio is 200 * LCS / (len a + len b), and a common subsequence uses
    each character at most as often as the text with fewer of it has it:
    LCS <= sum over characters of min(count a, count b). Folding characters
    into buckets can only raise that sum, and min(x, y) <= sqrt(x * y), so
    LCS <= profile(a) . profile(b), the dot product of the square roots of the
    bucket counts. A pair whose bound is under the cutoff cannot reach it; for
    the rest rapidfuzz decides. The bounds of an enterprise's whole batch are
    one matrix product, where comparing each pair in full would cost over a
    millisecond a complaint.
    """

    def __init__(self, keys: Sequence[str], first: int, cutoff: float) -> None:
        lengths = np.array([len(k) for k in keys], dtype=np.float32)
        profiles = np.frombuffer(
            b"".join([_profile(k) for k in keys]), dtype=np.float32
        ).reshape(len(keys), _BUCKETS)
        bounds = profiles[first:] @ profiles.T
        needed = (lengths[first:, None] + lengths[None, :]) * (cutoff / 200)
        self._passes = bounds >= needed * (1 - _MARGIN)

    def candidates(self, member: int, lo: int, hi: int) -> list[int]:
        """Positions lo..hi-1 that the member (counted from `first`) may match."""
        return (np.flatnonzero(self._passes[member, lo:hi]) + lo).tolist()

    @staticmethod
    def among(key: str, keys: Sequence[str], cutoff: float) -> list[int]:
        """Positions in `keys` that `key` may match."""
        if not keys:
            return []
        return _TextBounds([*keys, key], len(keys), cutoff).candidates(0, 0, len(keys))


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
