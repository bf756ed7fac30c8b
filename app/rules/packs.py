"""Rule packs: one TOML file per banned practice, validated once at load.

A pack names its category, the pledge clauses the practice breaches, the legal
provisions behind it with the dates each was in force, a score threshold and
its rules. Any mistake in a file stops the load with a `PackError` naming the
file, the rule and the problem, so a broken pack never classifies anything.
"""

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

PACKS_DIR = Path(__file__).parent / "packs"  # the packs shipped with the service
SEVERITY_WORDS = {"low": 1, "medium": 3, "high": 5}
PLEDGE_CLAUSES = range(1, 7)  # 承诺书 clauses 一..六 of the campaign notice


class PackError(ValueError):
    """A pack file that cannot be used, with where and why."""

    def __init__(self, file: str, rule: str | None, problem: str) -> None:
        where = f"{file}: rule {rule!r}" if rule else file
        super().__init__(f"{where}: {problem}")
        self.file = file
        self.rule = rule
        self.problem = problem


class RuleKind(StrEnum):
    TERMS = "terms"
    FUZZY = "fuzzy"
    REGEX = "regex"
    NEAR = "near"
    NEGATION = "negation"


@dataclass(frozen=True, slots=True)
class LegalBasis:
    law: str
    article: str
    summary: str
    effective_from: date
    effective_until: date | None = None  # last day in force, inclusive

    def in_force_on(self, day: date) -> bool:
        """Tell whether the provision applied to conduct on `day`."""
        ended = self.effective_until is not None and day > self.effective_until
        return self.effective_from <= day and not ended


@dataclass(frozen=True, slots=True)
class Group:
    terms: tuple[str, ...]
    min_distinct: int = 1


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    kind: RuleKind
    weight: float = 0.0
    description: str = ""
    terms: tuple[str, ...] = ()  # terms, fuzzy
    threshold: float = 0.0  # fuzzy: minimum partial_ratio score
    pattern: str = ""  # regex
    gate: tuple[str, ...] = ()  # regex: run only when one of these occurs
    at_gate: bool = False  # regex: try the pattern only where a gate term starts
    groups: tuple[Group, ...] = ()  # near: every group must occur
    window: int = 0  # near, negation: largest gap in characters
    before: tuple[str, ...] = ()  # negation cues before a hit
    after: tuple[str, ...] = ()  # negation cues after a hit
    applies_to: tuple[str, ...] = ()  # negation: rule ids; empty = all


@dataclass(frozen=True, slots=True)
class RulePack:
    id: str
    version: int | str
    category: str
    name_zh: str
    name_en: str
    severity: int
    description: str
    threshold: float
    legal_basis: tuple[LegalBasis, ...]
    pledge_clauses: tuple[int, ...]
    rules: tuple[Rule, ...]
    source: str = ""


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a regex rule for the normalised text (half-width punctuation)."""
    return re.compile(unicodedata.normalize("NFKC", pattern))


def legal_basis_on(pack: RulePack, day: date) -> list[LegalBasis]:
    """Return the pack's provisions in force on `day`."""
    return [basis for basis in pack.legal_basis if basis.in_force_on(day)]


def load_dir(path: Path | str) -> tuple[RulePack, ...]:
    """Load and validate every *.toml pack in a directory, in file-name order.

    Raises:
        PackError: on the first file with a mistake, or on duplicate ids.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise PackError(str(folder), None, "no such directory")
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise PackError(str(folder), None, "no pack files (*.toml)")
    packs = tuple(load_file(file) for file in files)
    check_unique(packs)
    return packs


def check_unique(packs: tuple[RulePack, ...]) -> None:
    """Reject two packs with the same id or category."""
    seen: dict[str, str] = {}
    for pack in packs:
        for key in (f"id {pack.id!r}", f"category {pack.category!r}"):
            if key in seen:
                raise PackError(
                    pack.source, None, f"duplicate pack {key}, also in {seen[key]}"
                )
            seen[key] = pack.source


def load_file(path: Path | str) -> RulePack:
    """Load and validate one pack file.

    Raises:
        PackError: naming the file, the rule and the problem.
    """
    file = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise PackError(file, None, f"cannot read TOML: {err}") from err
    # pack_format builds the types defined here, so it is imported late.
    from app.rules import pack_format

    return pack_format.parse_pack(file, data)
