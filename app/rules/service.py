"""Rule service: one compiled engine per process, shared by routes and CLI.

Packs are read from `RULE_PACKS_DIR` (default: the packs shipped in
app/rules/packs) and natures from `RULE_NATURES_FILE`, compiled once per
process and directory, then reused: classifying never touches the disk. A
complaint's conduct date may not lie in the future (Asia/Shanghai calendar).
"""

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from flask import current_app

from app import clock
from app.errors import DomainError, field_error
from app.fields import SHANGHAI
from app.rules import engine, natures, packs
from app.rules.classification import Classification


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
