"""Column types shared by every domain.

`UTCDateTime` stores instants as UTC and always hands back aware UTC datetimes,
on SQLite (which has no time zones) as on PostgreSQL (timestamptz). A naive
value is refused: it is a bug that would silently shift a deadline by 8 hours.
"""

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused; pass an aware instant")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def Money() -> Numeric[Decimal]:  # noqa: N802 - reads like a type in models
    """Yuan with fen precision, as Decimal."""
    return Numeric(14, 2, asdecimal=True)


class EncodedJSON(str):
    """A JSON column value already encoded as text (see `dumps_json`)."""


_encode = json.JSONEncoder(ensure_ascii=False).encode


def dumps_json(value: Any) -> str:
    """Encode a JSON column's value; text already encoded goes in as it is.

    The engine's serializer for every JSON column. Characters are stored as
    themselves, not as \\u escapes (half the bytes for Chinese text).
    """
    if isinstance(value, EncodedJSON):
        return str(value)
    return _encode(value)
