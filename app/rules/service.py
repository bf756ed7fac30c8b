"""Rule service: one compiled engine per process, shared by routes and CLI.

Packs are read from `RULE_PACKS_DIR` (default: the packs shipped in
app/rules/packs) and natures from `RULE_NATURES_FILE`, compiled once per
process and directory, then reused: classifying never touches the disk. A
complaint's conduct date may not lie in the future (Asia/Shanghai calendar).
"""

from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from app import clock
from app.db_types import EncodedJSON
from app.errors import DomainError, field_error
from app.extensions import db, insert_rows, skipping_insert
from app.fields import SHANGHAI
from app.rules import classification, engine, natures, packs
from app.rules.classification import Classification
from app.rules.models import ClassificationCitation


class RulePackInvalid(DomainError):
    """The configured packs cannot be loaded: an operator must fix them."""

    status_code = 500
    reason = "rule_pack_invalid"


def get_engine() -> engine.Engine:
    """Return the engine for the app's configured packs, compiled once."""
    packs_dir = current_app.config.get("RULE_PACKS_DIR") or packs.PACKS_DIR
    natures_file = current_app.config.get("RULE_NATURES_FILE") or natures.NATURES_FILE
    return _configured(str(packs_dir), str(natures_file))


@lru_cache(maxsize=16)
def _configured(packs_dir: str, natures_file: str) -> engine.Engine:
    # Resolving paths touches the disk: done once per configured pair.
    return _compiled(str(Path(packs_dir).resolve()), str(Path(natures_file).resolve()))


@lru_cache(maxsize=4)
def _compiled(packs_dir: str, natures_file: str) -> engine.Engine:
    try:
        return engine.build(packs.load_dir(packs_dir), natures.load(natures_file))
    except packs.PackError as err:
        raise RulePackInvalid("规则包配置有误，请联系管理员。", str(err)) from err


def classify_text(text: str, *, conduct_date: date | None = None) -> Classification:
    """Classify one complaint text, citing the law in force on `conduct_date`.

    Raises:
        Invalid: when conduct_date lies in the future.
    """
    if conduct_date is not None and conduct_date > _today():
        raise field_error(
            "conduct_date",
            "行为发生日期不能晚于今天。",
            "The conduct date cannot be in the future.",
        )
    return get_engine().classify(text, conduct_date)


def list_packs() -> tuple[packs.RulePack, ...]:
    """Return the packs the engine was compiled from, in file-name order."""
    return get_engine().packs


def _today() -> date:
    now: datetime = clock.utcnow()
    return now.astimezone(SHANGHAI).date()


def store_citations(citations: Mapping[str, str]) -> None:
    """Write the citations (key → JSON text) that stored classifications refer to.

    Keys already on file are left alone: a key always names the same text.
    """
    if not citations:
        return
    rows = [{"key": k, "body": EncodedJSON(v)} for k, v in sorted(citations.items())]
    table = ClassificationCitation.__table__
    insert_rows(table, rows, skipping_insert(table, "key"))


# Citations read so far, by key. A key is the digest of its text, so what is
# held here is right whatever happens to the transaction that read it.
_cited: dict[str, dict[str, Any]] = {}


def expand_classification(stored: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Return a complaint's stored classification whole, its citations put back."""
    if stored is None:
        return None
    keys = {
        c[classification.CITED]
        for c in stored.get("categories") or ()
        if classification.CITED in c
    }
    missing = sorted(keys - _cited.keys())
    if missing:
        table = ClassificationCitation
        rows = db.session.execute(
            select(table.key, table.body).where(table.key.in_(missing))
        )
        _cited.update((row.key, row.body) for row in rows)
    return classification.expand(stored, _cited)
