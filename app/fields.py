"""Marshmallow fields for instants and money.

Instants go out in Asia/Shanghai with their offset (what users read) and come
in as any ISO 8601 instant; a value without an offset is taken as Shanghai
local time, because that is what a Chinese user means by "10:00".
"""

import re
from datetime import UTC, datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

import marshmallow as ma

SHANGHAI = ZoneInfo("Asia/Shanghai")


def to_local(value: datetime) -> datetime:
    """Return an aware instant in Asia/Shanghai."""
    return value.astimezone(SHANGHAI)


class Instant(ma.fields.DateTime):
    def _serialize(self, value: Any, attr: str | None, obj: Any, **kw: Any) -> Any:
        if value is None:
            return None
        return to_local(value).isoformat()

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kw: Any
    ) -> datetime:
        parsed: datetime = super()._deserialize(value, attr, data, **kw)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=SHANGHAI)
        if not 1990 <= parsed.year <= 2100:
            raise ma.ValidationError("Year must be between 1990 and 2100.")
        return parsed.astimezone(UTC)


def Yuan(  # noqa: N802
    *, max_yuan: int | None = None, **kw: Any
) -> ma.fields.Decimal:
    """A yuan amount: Decimal, two places, sent as a string; never negative.

    The range is checked by a plain function rather than `validate.Range`, whose
    bounds apispec would publish as strings (an invalid OpenAPI document).
    """
    from decimal import Decimal

    def in_range(value: Decimal) -> None:
        if value < 0:
            raise ma.ValidationError("Must not be negative.")
        if max_yuan is not None and value > max_yuan:
            raise ma.ValidationError(f"Must be at most {max_yuan} yuan.")

    return ma.fields.Decimal(places=2, as_string=True, validate=in_range, **kw)


# C0 controls but tab, newline and carriage return; and DEL.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_control_chars(value: str) -> None:
    if _CONTROL.search(value):
        raise ma.ValidationError("Control characters are not allowed.")


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("Must not be blank.")


def Text(max_len: int, *, min_len: int = 1, **kw: Any) -> ma.fields.String:  # noqa: N802
    """A string with a length limit, no control characters, not blank."""
    checks: list[Any] = [
        ma.validate.Length(min=min_len, max=max_len),
        _no_control_chars,
    ]
    if min_len > 0:
        checks.append(_not_blank)
    return ma.fields.String(validate=checks, **kw)


def Choice(enum: type[Enum], **kw: Any) -> ma.fields.String:  # noqa: N802
    """A string restricted to an enum's values (stored rows keep plain strings)."""
    values = [m.value for m in enum]
    return ma.fields.String(
        validate=ma.validate.OneOf(values), metadata={"enum": values}, **kw
    )
