"""Complaint numbers a person can read out on the phone: TS-20210428-000123.

A number is an upper-case prefix, the Shanghai-local filing date and the
zero-padded sequence of that day. Prefixes avoid I, O and Q, which callers
confuse with 1 and 0, so a parser can safely read a spoken or mistyped O as 0
and I or L as 1 in the digits. Issuing the sequence uniquely is the service's job.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

# China has kept UTC+8 without daylight saving since 1991: a fixed offset needs
# no tz database on the server.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
PREFIX_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
SEQ_DIGITS = 6

_PREFIX = re.compile(f"[{PREFIX_LETTERS}]{{1,4}}")
_SEPARATORS = re.compile(r"[\s\-_./·—–]+")
_NUMBER = re.compile(
    f"([{PREFIX_LETTERS}]{{1,4}})([0-9OIL]{{8}})([0-9OIL]{{{SEQ_DIGITS}}})"
)
_LOOKALIKES = str.maketrans("OIL", "011")


class ComplaintNumberInvalid(ValueError):
    """The text is not a complaint number: wrong shape, date or sequence."""


@dataclass(frozen=True)
class ComplaintNumber:
    prefix: str
    local_date: date
    seq: int

    def __str__(self) -> str:
        return format_number(self.prefix, self.local_date, self.seq)


def shanghai_date(instant: datetime) -> date:
    """Return the Shanghai calendar date of an aware instant."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    return instant.astimezone(SHANGHAI).date()


def format_number(prefix: str, local_date: date, seq: int) -> str:
    """Format e.g. ('TS', 2021-04-28, 123) as 'TS-20210428-000123'.

    Raises:
        ValueError: the prefix uses letters outside PREFIX_LETTERS, or seq is
            outside 1..999999.
    """
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(f"prefix must be 1-4 of {PREFIX_LETTERS}, got {prefix!r}")
    if not 1 <= seq < 10**SEQ_DIGITS:
        raise ValueError(f"seq must be 1..{10**SEQ_DIGITS - 1}, got {seq}")
    return f"{prefix}-{local_date:%Y%m%d}-{seq:0{SEQ_DIGITS}d}"


def format_numbers(prefix: str, local_date: date, seqs: range) -> list[str]:
    """Format an ascending run of one day's numbers, as `format_number` does each.

    Raises:
        ValueError: as `format_number`, for the run's first or last number.
    """
    if not seqs:
        return []
    format_number(prefix, local_date, seqs[-1])  # checks the prefix and the end
    head = format_number(prefix, local_date, seqs[0])[:-SEQ_DIGITS]
    return [f"{head}{seq:0{SEQ_DIGITS}d}" for seq in seqs]


def parse_number(text: str) -> ComplaintNumber:
    """Read a number as typed or heard: any case, full-width, spaces or no dashes.

    Raises:
        ComplaintNumberInvalid: the text is not a valid complaint number.
    """
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).upper())
    found = _NUMBER.fullmatch(compact)
    if found is None:
        raise ComplaintNumberInvalid(f"not a complaint number: {text!r}")
    day, seq = (part.translate(_LOOKALIKES) for part in found.group(2, 3))
    try:
        when = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        raise ComplaintNumberInvalid(f"no such date in {text!r}") from None
    if int(seq) == 0:
        raise ComplaintNumberInvalid(f"sequence 0 is never issued: {text!r}")
    return ComplaintNumber(found.group(1), when, int(seq))
