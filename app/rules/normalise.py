"""Text normalisation for rule matching.

Complaints arrive in full-width or half-width forms, any letter case, with stray
whitespace and sometimes in traditional characters. Rules match a normalised
copy: NFKC, case folding, whitespace runs collapsed to one space, traditional
characters converted to simplified. Every normalised character remembers the
original characters it came from, so matched spans point into the text the
complainant wrote.
"""

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from opencc_purepy import OpenCC

# Hangul vowel and trailing jamo compose algorithmically, so no decomposition
# table lists them.
_HANGUL_TAILS = (range(0x1161, 0x1176), range(0x11A8, 0x11C3))
# Planes 0-1 plus the CJK compatibility supplement hold every character whose
# NFKC form differs from itself.
_SCANNED = (range(0x20000), range(0x2F800, 0x2FA20))


@dataclass(frozen=True, slots=True)
class Normalised:
    original: str
    text: str
    # Per normalised character, where its source starts and ends in `original`;
    # None when text[i] came from original[i] for every i (the common case).
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalised text to the original text."""
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


@dataclass(frozen=True)
class _Tables:
    simple: dict[str, str]
    # Characters that change length or compose with a neighbour under NFKC,
    # plus case foldings longer than one character.
    special: frozenset[str]
    traditional: frozenset[str]
    # One class holding every character above, so a single C-level findall
    # tells which of them a text contains (most texts: a few punctuation marks).
    marked_re: re.Pattern[str]
    token_re: re.Pattern[str]
    token_bmp_re: re.Pattern[str]
    ts_chars: dict[str, str]
    converter: OpenCC


def _char_class(chars: Iterable[str], extra: str = "") -> str:
    """Return a regex class of the characters (plus `extra` ranges), compactly."""
    points = sorted({ord(c) for c in chars})
    if not points and not extra:
        return "[^\\s\\S]"  # matches nothing
    ranges: list[str] = []
    for _, run in itertools.groupby(enumerate(points), lambda p: p[1] - p[0]):
        block = [cp for _, cp in run]
        first, last = re.escape(chr(block[0])), re.escape(chr(block[-1]))
        ranges.append(first if len(block) == 1 else f"{first}-{last}")
    return "[" + "".join(ranges) + extra + "]"


def _bmp_class(chars: Iterable[str]) -> str:
    return _char_class(c for c in chars if ord(c) < 0x10000)


def _token_pattern(
    expanders: set[str], composers: set[str], klass: Callable[[Iterable[str]], str]
) -> re.Pattern[str]:
    # The leading one-class lookahead lets re skip plain characters quickly.
    first = klass(expanders | composers | {" "})
    # Marks come first (half-width ﾟ both expands and composes: ﾊﾟ is パ), and
    # an expanding character takes the marks after it (㎏ and an acute make kǵ).
    body = (
        f" {{2,}}|(?P<marks>{klass(composers)}+)|{klass(expanders)}{klass(composers)}*"
    )
    return re.compile(f"(?={first})(?:{body})")


@cache
def _tables() -> _Tables:
    # Built on first use (about 0.3 s with the converter), never at import.
    composers = {chr(cp) for cp in itertools.chain(*_HANGUL_TAILS)}
    for cp in range(0x20000):
        ch = chr(cp)
        decomposition = unicodedata.decomposition(ch)
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2:
                composers.add(chr(int(parts[1], 16)))
        if unicodedata.combining(ch):
            composers.add(ch)
    simple: dict[str, str] = {}
    expanders: set[str] = set()
    for cp in itertools.chain(*_SCANNED):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        nfkc = unicodedata.normalize("NFKC", ch)
        if nfkc != ch:
            one_to_one = len(nfkc) == 1 and len(nfkc.casefold()) == 1
            if one_to_one and nfkc not in composers:
                simple[ch] = " " if nfkc.isspace() else nfkc
            else:
                expanders.add(ch)
                if nfkc[0] in composers:
                    # Half-width voiced marks (ﾞ) compose with the kana before.
                    composers.add(ch)
        elif len(ch.casefold()) != 1:
            expanders.add(ch)
        elif ch.isspace() and ch != " ":
            simple[ch] = " "
    converter = OpenCC("t2s")
    ts_chars = _ts_characters(converter)
    special = frozenset(expanders | composers)
    marked = [c for c in set(simple) | special | set(ts_chars) if ord(c) < 0x10000]
    # Astral characters are rare; the class takes them all as one range and
    # the sets above decide, because re scans a class of astral members slowly.
    marked_class = _char_class(marked, extra="\U00010000-\U0010ffff")
    return _Tables(
        simple=simple,
        special=special,
        traditional=frozenset(ts_chars),
        marked_re=re.compile(marked_class),
        token_re=_token_pattern(expanders, composers, _char_class),
        token_bmp_re=_token_pattern(expanders, composers, _bmp_class),
        ts_chars=ts_chars,
        converter=converter,
    )


def _ts_characters(converter: OpenCC) -> dict[str, str]:
    """Return the one-to-one traditional → simplified character table."""
    table = getattr(converter.dictionary, "ts_characters", None)
    mapping = table[0] if isinstance(table, tuple) and table else None
    if not isinstance(mapping, dict):
        return {}
    return {
        k: v
        for k, v in mapping.items()
        if isinstance(k, str)
        and isinstance(v, str)
        and len(k) == 1
        and len(v) == 1
        and k != v
    }


def normalise(text: str) -> Normalised:
    """Return the matching form of `text` with a map back to the original."""
    tables = _tables()
    folded = text
    general = traditional = astral = False
    for ch in set(tables.marked_re.findall(text)):
        replacement = tables.simple.get(ch)
        if replacement is not None:
            # One-to-one replacements keep positions: one C-level replace each.
            folded = folded.replace(ch, replacement)
        elif ch in tables.special:
            general = True
        if ch in tables.traditional:
            traditional = True
        astral = astral or ord(ch) > 0xFFFF
    if not general and "  " not in folded:
        return Normalised(text, _simplify(folded.casefold(), tables, traditional))
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    tokens = tables.token_re if astral else tables.token_bmp_re
    for match in tokens.finditer(folded):
        begin, end = match.span()
        if match.group("marks") is not None and begin > pos:
            # Combining marks compose with the character before them.
            begin -= 1
        if begin > pos:
            pieces.append(folded[pos:begin].casefold())
            starts.extend(range(pos, begin))
            ends.extend(range(pos + 1, begin + 1))
        token = folded[begin:end]
        out = (
            " " if token.isspace() else unicodedata.normalize("NFKC", token).casefold()
        )
        pieces.append(out)
        starts.extend([begin] * len(out))
        ends.extend([end] * len(out))
        pos = end
    if pos < len(folded):
        pieces.append(folded[pos:].casefold())
        starts.extend(range(pos, len(folded)))
        ends.extend(range(pos + 1, len(folded) + 1))
    joined = _simplify("".join(pieces), tables, traditional)
    return Normalised(text, joined, tuple(starts), tuple(ends))


def to_simplified(text: str) -> str:
    """Convert traditional characters to simplified, keeping the length.

    Text without a traditional character (the usual case) is returned as is,
    without running the phrase converter.
    """
    tables = _tables()
    return _simplify(text, tables, not tables.traditional.isdisjoint(text))


def _simplify(text: str, tables: _Tables, traditional: bool) -> str:
    """Convert traditional characters to simplified, keeping the length."""
    if not traditional:
        return text
    try:
        # Phrase-level conversion is more accurate (乾燥 → 干燥, 乾隆 stays);
        # it is used only when it keeps every position.
        converted = tables.converter.t2s(text)
    except Exception:  # the converter is third-party; fall back to characters
        converted = ""
    if len(converted) == len(text):
        return converted
    return "".join(tables.ts_chars.get(ch, ch) for ch in text)


def normalise_term(term: str) -> str:
    """Return the matching form of a pack term."""
    return normalise(term).text
