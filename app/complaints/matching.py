"""Match the enterprise a complainant names to a registered enterprise.

Order: exact USCC; exact legal name or alias; the same with legal decoration
(region, 有限公司, 科技 ...) stripped from one side only; then fuzzy scoring of a
bigram shortlist. Names are compared after NFKC, case folding, traditional to
simplified and punctuation stripping, so ＪＤ, jd.com and 餓了麼 find JD and 饿了么.
A best score under `threshold`, or a runner-up within `margin` of it, is never
guessed: the result then names no enterprise and needs human review.
"""

import re
import unicodedata
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from operator import itemgetter
from typing import Any, NamedTuple

from rapidfuzz import fuzz

from app.pledges import uscc as uscc_codes
from app.rules.normalise import to_simplified

# Stripping decoration from one side is strong evidence but loses information
# (京东科技 and 京东 share a core), so it ranks below a literal match.
CORE_EXACT = 0.95
# When one name holds the other, each extra character costs this share of a
# match: a leading brand plus descriptor (美团外卖) keeps more than a name that
# sits after something else (上海云帆 vs 云帆), which is often a different firm.
PREFIX_BASE, INFIX_BASE = 0.7, 0.55
SHORTLIST = 32  # candidates scored in full after the bigram vote
VOTE_BUDGET = 1000  # postings read per lookup, rarest bigrams first
POOL = 300  # best-voted candidates whose ties the common bigrams then break
MIN_SCORE = 0.5  # below this a candidate is noise, not a suggestion

_PUNCT = re.compile(r"[\W_]+")
_DOMAIN = re.compile(r"^(?:https?://)?(?:www\.)?(.+?)\.(?:com\.cn|com|cn|net|org)$")
_BRACKETS = re.compile(r"\([^()]*\)")
_REGION = re.compile(
    "^(?:北京|上海|天津|重庆|广东|广州|深圳|浙江|杭州|宁波|江苏|南京|苏州|福建|福州|"
    "厦门|山东|济南|青岛|湖北|武汉|湖南|长沙|四川|成都|河南|郑州|河北|石家庄|陕西|"
    "西安|安徽|合肥|江西|南昌|辽宁|沈阳|大连|吉林|长春|黑龙江|哈尔滨|山西|太原|云南|"
    "昆明|贵州|贵阳|广西|南宁|海南|海口|甘肃|兰州|内蒙古|新疆|西藏|宁夏|青海|香港|"
    "澳门)(?:省|市|自治区)?"
)
# Stripped repeatedly from the end; the regex takes the leftmost start, so
# 股份有限公司 goes whole whatever the order.
_SUFFIX = re.compile(
    "(?:股份有限公司|有限责任公司|有限公司|分公司|公司|集团|控股|信息技术|电子商务|"
    "科技|网络|技术|信息|贸易|商贸|实业)*$"
)
_LEGAL_FORM = re.compile("股份有限公司|有限责任公司|有限公司|分公司|公司")


class _Form(NamedTuple):
    """One name taken apart: the full form, its core and what the core lost."""

    full: str
    core: str
    region: str  # the leading region stripped from the core, if any
    trade: str  # descriptive words stripped from the end: 科技, 网络科技 ...
    shown: str


def _fold(text: str) -> str:
    # Most text is already in NFKC form; checking is ~100x cheaper than converting.
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    folded = text.strip()
    # The rule engine's converter: it skips text with no traditional character.
    return to_simplified(folded).casefold() if folded else ""


def _analyse(text: str) -> _Form:
    folded = _fold(text)
    full = _PUNCT.sub("", folded)
    domain = _DOMAIN.match(folded)
    core = _PUNCT.sub("", domain.group(1) if domain else _BRACKETS.sub("", folded))
    region = _REGION.match(core)
    core = core[region.end() :] if region else core
    suffix = _SUFFIX.search(core)
    if not suffix or suffix.start() < 2:  # too little left: the name is its own core
        return _Form(full, full, "", "", text)
    trade = _LEGAL_FORM.sub("", suffix.group(0))
    return _Form(
        full, core[: suffix.start()], region.group(0) if region else "", trade, text
    )


def normalise_name(text: str) -> str:
    """Fold width, case and script, and drop spaces and punctuation."""
    return _PUNCT.sub("", _fold(text))


def core_name(text: str) -> str:
    """Strip the domain, bracketed parts, a leading region and legal suffixes.

    Returns the normalised full name when under 2 characters would be left.
    """
    return _analyse(text).core


def similarity(a: str, b: str) -> float:
    """Score two normalised names 0..1: edit similarity, or credit for containment."""
    score = fuzz.ratio(a, b) / 100
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 2 and short != long_ and (pos := long_.find(short)) >= 0:
        score = max(score, _containment(len(short), len(long_), pos))
    return score


def _containment(short: int, long_: int, pos: int) -> float:
    base = PREFIX_BASE if pos == 0 else INFIX_BASE
    return base + (1 - base) * short / long_


@dataclass(frozen=True)
class Candidate:
    enterprise_id: int
    legal_name: str
    uscc: str | None
    aliases: tuple[str, ...] = ()


class MatchMethod(StrEnum):
    USCC = "uscc"
    EXACT = "exact"
    FUZZY = "fuzzy"
    NONE = "none"


@dataclass(frozen=True)
class ScoredCandidate:
    enterprise_id: int
    legal_name: str
    score: float
    matched: str  # the registered name or alias that scored best


@dataclass(frozen=True)
class MatchResult:
    enterprise_id: int | None  # set only when needs_review is False
    method: MatchMethod
    confidence: float
    candidates: tuple[ScoredCandidate, ...]
    needs_review: bool


_NO_MATCH = MatchResult(None, MatchMethod.NONE, 0.0, (), True)


_ANSWERS_KEPT = 4096


class MatcherIndex:
    """Normalised names of all candidates, built once and read by many lookups."""

    def __init__(self, candidates: Sequence[Candidate]) -> None:
        # Only tuples of str and int are kept: the GC stops tracking those, so a
        # 100k-name index does not lengthen every full collection in the process.
        entries: list[tuple[int, str]] = []
        forms: list[tuple[tuple[str, str, str], ...]] = []
        uscc: dict[str, list[int]] = defaultdict(list)
        full: dict[str, list[int]] = defaultdict(list)
        core: dict[str, list[int]] = defaultdict(list)
        grams: dict[str, list[int]] = defaultdict(list)
        for pos, cand in enumerate(candidates):
            entries.append((cand.enterprise_id, cand.legal_name))
            if cand.uscc:
                uscc[_norm_uscc(cand.uscc)].append(pos)
            mine: dict[str, tuple[str, str, str]] = {}
            for form in map(_analyse, (cand.legal_name, *cand.aliases)):
                if form.full:  # the legal name comes first and stays first
                    mine.setdefault(form.full, (form.full, form.core, form.shown))
            forms.append(tuple(mine.values()))
            for key in mine:
                full[key].append(pos)
            for key in {c for _, c, _ in mine.values()}:
                core[key].append(pos)
            for gram in {
                g for f, c, _ in mine.values() for g in _bigrams(f) | _bigrams(c)
            }:
                grams[gram].append(pos)
        self._entries, self._forms = tuple(entries), tuple(forms)
        self._uscc, self._full = _freeze(uscc), _freeze(full)
        self._core, self._grams = _freeze(core), _freeze(grams)
        # Each candidate's names in one string: a bigram test against it stays
        # in a few cached bytes, where a set of a common bigram's 10k+ postings
        # would be cold memory.
        self._texts = tuple(
            "|".join({t for f, c, _ in mine for t in (f, c)}) for mine in self._forms
        )
        self._keys = sorted(self._full.keys() | self._core.keys())  # for prefixes
        # Files and forms name the same platforms over and over; the index
        # never changes, so an answer holds for as long as it is kept.
        self._answers: dict[tuple[Any, ...], MatchResult] = {}

    @classmethod
    def build(cls, candidates: Iterable[Candidate]) -> "MatcherIndex":
        """Precompute the normalised names, cores and bigram postings."""
        return cls(list(candidates))

    def __len__(self) -> int:
        return len(self._entries)

    def match(
        self,
        name: str | None,
        uscc: str | None = None,
        *,
        threshold: float = 0.85,
        margin: float = 0.05,
        limit: int = 5,
    ) -> MatchResult:
        """Find the enterprise meant by a USCC and/or a name as typed."""
        asked = (name, uscc, threshold, margin, limit)
        answer = self._answers.get(asked)
        if answer is None:
            if len(self._answers) >= _ANSWERS_KEPT:
                self._answers.clear()
            answer = self._answers[asked] = self._match(*asked)
        return answer

    def _match(
        self,
        name: str | None,
        uscc: str | None,
        threshold: float,
        margin: float,
        limit: int,
    ) -> MatchResult:
        query = _analyse(name or "")
        if uscc and (hits := self._uscc.get(_norm_uscc(uscc))):
            method, ranked = MatchMethod.USCC, self._exact(hits, 1.0, ())
        elif not query.full:
            return _NO_MATCH
        elif hits := self._full.get(query.full):
            method, ranked = MatchMethod.EXACT, self._exact(hits, 1.0, (query.full,))
        # One side stripped: a bare query equals a registered core, or a
        # decorated query's core equals a bare alias of a compatible firm.
        elif hits := self._core.get(query.full, ()) + tuple(
            p for p in self._full.get(query.core, ()) if self._compatible(query, p)
        ):
            keys = (query.full, query.core)
            method, ranked = MatchMethod.EXACT, self._exact(hits, CORE_EXACT, keys)
        else:
            shortlist = self._shortlist(query)
            method, ranked = MatchMethod.FUZZY, self._rank(query, shortlist)
        return _decide(method, ranked, threshold=threshold, margin=margin, limit=limit)

    def suggest(self, prefix_or_name: str, limit: int = 10) -> list[ScoredCandidate]:
        """Rank candidates for an autocomplete: name prefixes and look-alikes."""
        query = _analyse(prefix_or_name)
        if not query.full:
            return []
        pool = set(self._shortlist(query))
        start = bisect_left(self._keys, query.full)
        for key in self._keys[start : start + 200]:
            if not key.startswith(query.full):
                break
            pool.update(self._full.get(key, ()), self._core.get(key, ()))
        return self._rank(query, pool, prefix=True)[:limit]

    def _compatible(self, query: _Form, pos: int) -> bool:
        # What the query's core lost must not contradict the legal name:
        # 青岛松慧茶业 is not 哈尔滨松慧茶业, nor 金源科技 the firm 金源茶业.
        legal = self._forms[pos][0][0] if self._forms[pos] else ""
        return query.region in legal and query.trade in legal

    def _shortlist(self, query: _Form) -> list[int]:
        grams = [
            g for g in _bigrams(query.full) | _bigrams(query.core) if g in self._grams
        ]
        # Sorted by the gram too: set order varies between processes, and so
        # would the shortlist.
        grams.sort(key=lambda g: (len(self._grams[g]), g))
        votes: Counter[int] = Counter()
        read = 0
        # Rare bigrams (a brand) pick the pool cheaply, rarest first...
        while grams and (not read or read + len(self._grams[grams[0]]) <= VOTE_BUDGET):
            posting = self._grams[grams.pop(0)]
            votes.update(posting)
            read += len(posting)
        pool = sorted(votes.items(), key=itemgetter(1), reverse=True)[:POOL]
        votes = Counter(dict(pool))
        # ...then common ones (region, industry) break ties inside it, so that a
        # typo's equally close namesakes all reach the margin check.
        for gram in grams:
            if len(self._grams[gram]) > len(self._entries) // 2:
                break  # 有限, 公司: in nearly every name, they tell nothing
            votes.update([pos for pos, _ in pool if gram in self._texts[pos]])
        ranked = sorted(votes.items(), key=itemgetter(1), reverse=True)
        return [pos for pos, _ in ranked[:SHORTLIST]]

    def _rank(
        self, query: _Form, positions: Iterable[int], *, prefix: bool = False
    ) -> list[ScoredCandidate]:
        typed, stripped = query.full, query.core
        scores: dict[int, tuple[float, str]] = {}
        for pos in positions:
            # Never core against core: 杭州云帆食品 and 上海云帆服饰 both reduce
            # to 云帆. A stripped query gets no containment credit either: 京东
            # (from 京东科技) is not 京东到家.
            plain = stripped != typed and self._compatible(query, pos)
            top, shown = 0.0, ""
            for full, core, name in self._forms[pos]:
                score = similarity(typed, full)
                if core != full:
                    score = max(score, similarity(typed, core))
                if plain:
                    score = max(score, fuzz.ratio(stripped, full) / 100)
                if prefix:  # an autocomplete credits even one typed character
                    starts = [len(t) for t in (full, core) if t.startswith(typed)]
                    if starts:
                        score = max(score, _containment(len(typed), min(starts), 0))
                if score > top:
                    top, shown = score, name
            scores[pos] = top, shown
        return self._scored(scores)

    def _exact(
        self, positions: Iterable[int], score: float, keys: tuple[str, ...]
    ) -> list[ScoredCandidate]:
        scores: dict[int, tuple[float, str]] = {}
        for pos in positions:
            hits = (n for f, c, n in self._forms[pos] if f in keys or c in keys)
            scores[pos] = score, next(hits, self._entries[pos][1])
        return self._scored(scores)

    def _scored(self, scores: dict[int, tuple[float, str]]) -> list[ScoredCandidate]:
        best: dict[int, ScoredCandidate] = {}
        for pos, (raw, shown) in scores.items():
            score = round(raw, 4)  # so threshold and margin compare exactly
            eid, legal = self._entries[pos]
            if score >= MIN_SCORE and (eid not in best or score > best[eid].score):
                best[eid] = ScoredCandidate(eid, legal, score, shown)
        # Ties keep a stable, explainable order: lower enterprise id first.
        return sorted(best.values(), key=lambda s: (-s.score, s.enterprise_id))


def _decide(
    method: MatchMethod,
    ranked: list[ScoredCandidate],
    *,
    threshold: float,
    margin: float,
    limit: int,
) -> MatchResult:
    if not ranked:
        return _NO_MATCH
    top = ranked[0].score
    close = len(ranked) > 1 and round(top - ranked[1].score, 4) <= margin
    review = close or top < threshold
    chosen = None if review else ranked[0].enterprise_id
    return MatchResult(chosen, method, top, tuple(ranked[:limit]), review)


def _norm_uscc(raw: str) -> str:
    return uscc_codes.normalise(unicodedata.normalize("NFKC", raw))


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _freeze(lists: dict[str, list[int]]) -> dict[str, tuple[int, ...]]:
    return {key: tuple(positions) for key, positions in lists.items()}
