"""How each rule kind turns the automaton's hits into rule hits.

terms: any listed term occurs. fuzzy: a listed term occurs, or a phrase longer
than four characters occurs with a typo (rapidfuzz partial_ratio at or above
the rule's threshold). regex: the pattern matches the normalised text. near:
every group has a term within `window` characters of the first group's term.
A negation cue cancels a hit when it ends at most `window` characters before
the hit starts, or starts at most `window` characters after it ends. Cues and
the near groups after the first are looked up only in the window around a hit
(so the first group should hold the rarest terms), which keeps common words
such as 没有 or 平台 out of the per-text automaton scan.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import ahocorasick
from rapidfuzz import fuzz

from app.rules.classification import Hit, Negation
from app.rules.normalise import Normalised
from app.rules.packs import Rule, RuleKind

Span = tuple[int, int]
Found = dict[int, list[Span]]  # slot -> spans of its terms in the normalised text
_MAX_RAW = 20
ALPHA = frozenset("abcdefghijklmnopqrstuvwxyz")  # what English word edges check
_SHORT_MATCH = 24  # longer near matches are shown as their parts


def wide(text: str) -> str:
    """Return the UTF-32 bytes of text as latin-1 characters, for the automata."""
    # pyahocorasick searches a node's children linearly, so a root with a
    # thousand CJK children is slow; over UTF-32 bytes every node stays small.
    # Character i is bytes 4i..4i+3.
    return text.encode("utf-32-be").decode("latin-1")


class Lookup:
    """Normalised terms searched for inside a window of the text."""

    def __init__(self, keys: Iterable[str]) -> None:
        keys = sorted(set(keys))
        # First and last characters let a caller skip a window no term fits.
        self.firsts = frozenset(k[0] for k in keys)
        self.lasts = frozenset(k[-1] for k in keys)
        self._automaton = ahocorasick.Automaton()
        for key in keys:
            edges = (key[0] in ALPHA, key[-1] in ALPHA)
            self._automaton.add_word(wide(key), (len(key), *edges))
        self._automaton.make_automaton()
        self.longest = max((len(k) for k in keys), default=0)

    def spans(self, text: str, low: int, high: int) -> list[Span]:
        """Return the spans of the terms inside text[low:high]."""
        low = max(0, low)
        out: list[Span] = []
        for end, (length, check_start, check_end) in self._automaton.iter(
            wide(text[low:high])
        ):
            if end & 3 != 3:
                continue  # a byte match across character boundaries
            stop = low + (end >> 2) + 1
            start = stop - length
            # English words must stand alone: "not" is not inside "cannot".
            if check_start and start and text[start - 1] in ALPHA:
                continue
            if check_end and stop < len(text) and text[stop] in ALPHA:
                continue
            out.append((start, stop))
        return out


@dataclass(frozen=True, slots=True)
class CompiledNegation:
    full_id: str
    before: Lookup | None
    after: Lookup | None
    window: int
    applies_to: frozenset[str]


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule: Rule
    full_id: str
    slot: int  # terms/fuzzy: the terms; regex: the gate; near: the first group
    least: int  # near: distinct terms the first group needs
    groups: tuple[tuple[Lookup, int], ...]  # near, the other groups: (terms, least)
    regex: re.Pattern[str] | None
    fuzzy: tuple[tuple[str, int, int], ...]  # (phrase, pieces slot, pieces needed)
    negations: tuple[CompiledNegation, ...]


@dataclass(frozen=True, slots=True)
class Raw:
    span: Span
    anchor: Span  # what negation cues are measured from
    parts: tuple[Span, ...] = ()
    score: float | None = None


def evaluate(cr: CompiledRule, found: Found, text: str) -> list[Raw]:
    """Return the rule's hits in the normalised text, before negation."""
    return _EVALUATORS[cr.rule.kind](cr, found, text)


def negated_by(cr: CompiledRule, anchor: Span, text: str) -> tuple[str, Span] | None:
    """Return (negation rule, cue span) of the nearest cue cancelling a hit."""
    start, end = anchor
    best: tuple[int, str, Span] | None = None
    for neg in cr.negations:
        before, after = neg.before, neg.after
        if before is not None and not before.lasts.isdisjoint(
            text[max(0, start - neg.window - 1) : start]
        ):
            low = start - neg.window - before.longest
            for cue in before.spans(text, low, start):
                gap = start - cue[1]
                if gap <= neg.window and (best is None or gap < best[0]):
                    best = (gap, neg.full_id, cue)
        if after is not None and not after.firsts.isdisjoint(
            text[end : end + neg.window + 1]
        ):
            high = end + neg.window + after.longest
            for cue in after.spans(text, end, high):
                gap = cue[0] - end
                if gap <= neg.window and (best is None or gap < best[0]):
                    best = (gap, neg.full_id, cue)
    return None if best is None else (best[1], best[2])


def matched_text(original: str, span: Span, parts: tuple[Span, ...]) -> str:
    """Return what a hit matched, as written; long near matches as their parts."""
    if not parts or span[1] - span[0] <= _SHORT_MATCH:
        return original[span[0] : span[1]]
    return " … ".join(original[s:e] for s, e in parts)


def hit(category: str, cr: CompiledRule, raw: Raw, norm: Normalised) -> Hit:
    """Return a hit with its spans in the original text."""
    span = norm.original_span(*raw.span)
    parts = tuple(norm.original_span(*p) for p in raw.parts)
    return Hit(
        category=category,
        rule=cr.full_id,
        kind=str(cr.rule.kind),
        matched=matched_text(norm.original, span, parts),
        span=span,
        weight=cr.rule.weight,
        score=raw.score,
        parts=parts,
    )


def negation(
    category: str, cr: CompiledRule, raw: Raw, cue: tuple[str, Span], norm: Normalised
) -> Negation:
    """Return a cancelled hit with its cue, spans in the original text."""
    negated_by, cue_span = cue
    span = norm.original_span(*raw.anchor)
    at = norm.original_span(*cue_span)
    return Negation(
        category=category,
        rule=cr.full_id,
        negated_by=negated_by,
        matched=norm.original[span[0] : span[1]],
        span=span,
        cue=norm.original[at[0] : at[1]],
        cue_span=at,
    )


def _outermost(spans: list[Span]) -> list[Span]:
    # Overlapping terms are one finding: "卖假" and "假货" make "卖假货".
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _terms(cr: CompiledRule, found: Found, text: str) -> list[Raw]:
    spans = found.get(cr.slot)
    if not spans:
        return []
    return [Raw(s, s) for s in _outermost(spans)[:_MAX_RAW]]


def _fuzzy(cr: CompiledRule, found: Found, text: str) -> list[Raw]:
    exact = _terms(cr, found, text)
    if exact:
        return [Raw(r.span, r.anchor, score=100.0) for r in exact]
    out: list[Raw] = []
    for phrase, slot, needed in cr.fuzzy:
        pieces = found.get(slot)
        if not pieces or len({text[s:e] for s, e in pieces}) < needed:
            continue
        low = max(0, min(s for s, _ in pieces) - len(phrase))
        high = min(len(text), max(e for _, e in pieces) + len(phrase))
        result = fuzz.partial_ratio_alignment(
            phrase, text[low:high], score_cutoff=cr.rule.threshold
        )
        # A typo keeps a phrase about as long; a stub at the text's edge
        # ("虚假宣" for "虚假宣传商品") is not the phrase.
        if (
            result is not None
            and result.dest_end - result.dest_start >= len(phrase) - 1
        ):
            span = (low + result.dest_start, low + result.dest_end)
            out.append(Raw(span, span, score=round(result.score, 1)))
    return out


def _regex(cr: CompiledRule, found: Found, text: str) -> list[Raw]:
    if cr.regex is None or (cr.slot >= 0 and cr.slot not in found):
        return []
    out: list[Raw] = []
    if cr.rule.at_gate:
        # The pattern starts with a gate term: try it only there.
        last = 0
        for start in sorted({s for s, _ in found[cr.slot]}):
            match = cr.regex.match(text, start) if start >= last else None
            if match is not None and match.end() > start:
                out.append(Raw(match.span(), match.span()))
                last = match.end()
        return out[:_MAX_RAW]
    for match in cr.regex.finditer(text):
        if match.end() > match.start():
            out.append(Raw(match.span(), match.span()))
            if len(out) >= _MAX_RAW:
                break
    return out


def _near(cr: CompiledRule, found: Found, text: str) -> list[Raw]:
    anchors = found.get(cr.slot)
    if not anchors:
        return []
    window = cr.rule.window
    out: list[Raw] = []
    for anchor in _outermost(anchors):
        start, end = anchor
        parts = [anchor]
        if cr.least > 1 and not _distinct(
            anchor, anchors, window, cr.least, text, parts
        ):
            continue
        for group, least in cr.groups:
            reach = window + group.longest
            spans = group.spans(text, start - reach, end + reach)
            if least > 1:
                if not _distinct(anchor, spans, window, least, text, parts):
                    break
                continue
            best: tuple[int, Span] | None = None
            for span in spans:
                gap = _gap(anchor, span)
                if gap <= window and (best is None or gap < best[0]):
                    best = (gap, span)  # the nearest, then the earliest
            if best is None:
                break
            parts.append(best[1])
        else:
            extent = (min(parts)[0], max(e for _, e in parts))
            out.append(Raw(extent, anchor, tuple(sorted(parts))))
            if len(out) >= _MAX_RAW:
                break
    return out


def _gap(a: Span, b: Span) -> int:
    if b[0] >= a[1]:
        return b[0] - a[1]
    if b[1] <= a[0]:
        return a[0] - b[1]
    return 0


def _distinct(
    anchor: Span,
    spans: list[Span],
    window: int,
    least: int,
    text: str,
    parts: list[Span],
) -> bool:
    """Add the nearest span of `least` distinct terms near anchor to parts, if any."""
    # A group needing several distinct terms (two rival platforms, two accounts)
    # takes the nearest occurrence of each.
    chosen: dict[str, Span] = {}
    for gap, span in sorted((_gap(anchor, s), s) for s in spans):
        if gap <= window:
            chosen.setdefault(text[span[0] : span[1]], span)
    if len(chosen) < least:
        return False
    parts.extend(s for s in list(chosen.values())[:least] if s not in parts)
    return True


_EVALUATORS: dict[RuleKind, Callable[[CompiledRule, Found, str], list[Raw]]] = {
    RuleKind.TERMS: _terms,
    RuleKind.FUZZY: _fuzzy,
    RuleKind.REGEX: _regex,
    RuleKind.NEAR: _near,
}
