"""Unified social credit codes (统一社会信用代码, GB 32100-2015).

An 18-character code over a 31-character alphabet (no I, O, S, V, Z). The last
character is a check over the first 17 with weights 3^(i-1) mod 31. Some real
pilot-era codes (Fujian, before the standard) fail the check, so a wrong check
character is a warning, while a wrong length or alphabet is an error.
"""

import re
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_STRIP = re.compile(r"[\s\-\u3000]+")


class UsccError(ValueError):
    """The code cannot be a USCC: wrong length or a character outside the set."""


@dataclass(frozen=True)
class Uscc:
    code: str
    checksum_ok: bool
    expected_check: str


def normalise(raw: str) -> str:
    """Upper-case the code and strip spaces and hyphens."""
    return _STRIP.sub("", raw).upper()


def check_character(first17: str) -> str:
    """Return the check character for the first 17 characters."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def parse(raw: str) -> Uscc:
    """Normalise and validate a code.

    Raises:
        UsccError: when the length or the character set is wrong.
    """
    code = normalise(raw)
    if len(code) != 18:
        raise UsccError(f"USCC must have 18 characters, got {len(code)}")
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        raise UsccError(
            f"USCC contains characters outside GB 32100's set: {''.join(bad)}"
        )
    expected = check_character(code[:17])
    return Uscc(code=code, checksum_ok=code[17] == expected, expected_check=expected)
