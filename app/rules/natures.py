"""Complaint natures: the China Consumers Association's ten 投诉性质.

Every complaint gets exactly one nature, so dashboards compare with 中消协 and
12315 reports. Each nature carries keyword weights and boosts from the banned
practice categories; the engine sums them and picks the best, earlier natures
in the file winning ties, and falls back to 其他 (other) when nothing scores.
"""

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.rules.packs import PackError

NATURES_FILE = Path(__file__).parent / "natures.toml"
FALLBACK = "other"
CODES = (
    "after_sales",
    "contract",
    "quality",
    "price",
    "false_advertising",
    "safety",
    "counterfeit",
    "dignity",
    "measurement",
    FALLBACK,
)
_KEYS = {"code", "name_zh", "name_en", "keywords", "categories"}


@dataclass(frozen=True, slots=True)
class Nature:
    code: str
    name_zh: str
    name_en: str
    keywords: tuple[tuple[str, float], ...] = ()
    categories: tuple[tuple[str, float], ...] = ()  # boost when a category is labelled


def load(path: Path | str) -> tuple[Nature, ...]:
    """Load and validate the natures file.

    Raises:
        PackError: naming the file, the nature and the problem.
    """
    file = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise PackError(file, None, f"cannot read TOML: {err}") from err
    unknown = sorted(set(data) - {"natures"})
    if unknown:
        raise PackError(file, None, f"unknown key {unknown[0]!r}")
    items = data.get("natures")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise PackError(
            file, None, "'natures' must be an array of tables ([[natures]])"
        )
    natures = tuple(_nature(file, item) for item in items)
    codes = [n.code for n in natures]
    if sorted(codes) != sorted(CODES):
        missing = sorted(set(CODES) - set(codes))
        extra = sorted(c for c in set(codes) if codes.count(c) > 1 or c not in CODES)
        problem = f"need the ten codes once each: missing {missing}, extra {extra}"
        raise PackError(file, None, problem)
    return natures


def _nature(file: str, data: dict[str, Any]) -> Nature:
    code = data.get("code")
    where = code if isinstance(code, str) else "?"

    def fail(problem: str) -> PackError:
        return PackError(file, f"nature {where}", problem)

    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise fail(f"unknown key {unknown[0]!r}")
    for key in ("code", "name_zh", "name_en"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise fail(f"missing field {key!r}")
    return Nature(
        code=data["code"],
        name_zh=data["name_zh"],
        name_en=data["name_en"],
        keywords=_weights(fail, data.get("keywords", {}), "keywords"),
        categories=_weights(fail, data.get("categories", {}), "categories"),
    )


def _weights(
    fail: Callable[[str], PackError], value: Any, key: str
) -> tuple[tuple[str, float], ...]:
    if not isinstance(value, dict):
        raise fail(f"{key!r} must be a table of term = weight")
    out: list[tuple[str, float]] = []
    for term, weight in value.items():
        if not term.strip():
            raise fail(f"{key!r} holds an empty term")
        if (
            isinstance(weight, bool)
            or not isinstance(weight, int | float)
            or weight <= 0
        ):
            raise fail(f"{key!r} weight for {term!r} must be a positive number")
        out.append((term, float(weight)))
    return tuple(out)
