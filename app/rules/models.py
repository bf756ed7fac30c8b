"""Rule tables: what classified complaints cite, stored once."""

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ClassificationCitation(db.Model):  # type: ignore[name-defined]
    """What one category of one pack version cites on a conduct date.

    Keyed by the digest of its JSON text, so a key always means the same text
    and a row, once written, never changes.
    """

    __tablename__ = "classification_citations"
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
