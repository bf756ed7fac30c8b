"""`flask rules ...`: classify JSON lines, score packs against labels, lint packs.

Input files are JSON lines (`-` reads stdin), read as bytes and decoded line
by line, so one bad line (invalid UTF-8, malformed JSON, no id, empty or
whitespace text, text over 20,000 characters) is reported on stderr with its
line number while the other lines go on. The exit status is 1 when any line
was bad or any pack fails to load, 0 otherwise.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

import click
from flask.cli import AppGroup

from app.rules import engine, evaluation, natures, packs, service
from app.rules.schemas import MAX_TEXT_LENGTH

cli = AppGroup("rules", help="Classify complaints with the rule packs.")


@dataclass(frozen=True)
class _Line:
    number: int
    record: dict[str, Any]


def _read(stream: IO[bytes], *, labelled: bool, problems: list[str]) -> Iterator[_Line]:
    """Yield the valid records; append "line N: problem" for the others."""
    for number, raw in enumerate(stream, start=1):
        problem, record = _parse(raw, labelled)
        if problem is None:
            yield _Line(number, record)
        else:
            message = f"line {number}: {problem}"
            problems.append(message)
            click.echo(message, err=True)


def _parse(raw: bytes, labelled: bool) -> tuple[str | None, dict[str, Any]]:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"invalid UTF-8 at byte {err.start}", {}
    if not line.strip():
        return "empty line", {}
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        return f"malformed JSON: {err.msg} (column {err.colno})", {}
    if not isinstance(record, dict):
        return "not a JSON object", {}
    if isinstance(record.get("id"), bool) or not isinstance(
        record.get("id"), str | int
    ):
        return "missing id (a string or an integer)", {}
    text = record.get("text")
    if not isinstance(text, str):
        return "missing text (a string)", {}
    if not text.strip():
        return "empty text" if not text else "text is only whitespace", {}
    if len(text) > MAX_TEXT_LENGTH:
        return f"text has {len(text):,} characters (at most {MAX_TEXT_LENGTH:,})", {}
    if record.get("conduct_date") is not None:
        try:
            record["conduct_date"] = date.fromisoformat(str(record["conduct_date"]))
        except ValueError:
            return "conduct_date must be YYYY-MM-DD", {}
    labels = record.get("labels")
    bad_labels = not isinstance(labels, list) or not all(
        isinstance(x, str) for x in labels
    )
    if labelled and bad_labels:
        return "missing labels (a list of category codes)", {}
    return None, record


@cli.command("classify")
@click.argument("file", type=click.File("rb"))
def classify_command(file: IO[bytes]) -> None:
    """Classify JSON lines {"id", "text"[, "conduct_date"]}; print one JSON line each.

    Output: {"id", "labels", "nature", "explanations"}. Exit status 1 when any
    input line was bad (reported on stderr; the other lines are classified).
    """
    built = service.get_engine()
    problems: list[str] = []
    for line in _read(file, labelled=False, problems=problems):
        result = built.classify(line.record["text"], line.record.get("conduct_date"))
        out = {
            "id": line.record["id"],
            "labels": list(result.labels),
            "nature": result.nature.code,
            "explanations": [hit.to_dict() for hit in result.explanations],
        }
        click.echo(json.dumps(out, ensure_ascii=False))
    if problems:
        raise click.exceptions.Exit(1)


@cli.command("eval")
@click.argument("file", type=click.File("rb"))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def eval_command(file: IO[bytes], as_json: bool) -> None:
    """Score the packs against JSON lines {"id", "text", "labels"}.

    Prints per-category precision, recall and F1, micro and macro F1 over the
    four required categories, and the ids labelled wrongly. Exit status 1 when
    any input line was bad.
    """
    built = service.get_engine()
    problems: list[str] = []
    examples = [
        evaluation.Example(
            str(line.record["id"]),
            line.record["text"],
            frozenset(line.record["labels"]),
        )
        for line in _read(file, labelled=True, problems=problems)
    ]
    report = evaluation.evaluate(examples, lambda text: built.classify(text).labels)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_report(report)
    if problems:
        raise click.exceptions.Exit(1)


def _print_report(report: evaluation.Report) -> None:
    click.echo(f"{report.examples} examples")
    header = ("category", "precision", "recall", "f1", "tp", "fp", "fn")
    click.echo("{:<22} {:>9} {:>7} {:>7} {:>4} {:>4} {:>4}".format(*header))
    for s in report.categories + report.extra:
        click.echo(
            f"{s.category:<22} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>7.3f}"
            f" {s.tp:>4} {s.fp:>4} {s.fn:>4}"
        )
    click.echo(f"micro F1 {report.micro_f1:.3f}   macro F1 {report.macro_f1:.3f}")
    required, extra = ", ".join(evaluation.REQUIRED), ", ".join(evaluation.EXTRA)
    click.echo(f"  (averaged over {required}; {extra} scored apart)")
    click.echo(f"wrong: {len(report.mistakes)}")
    for m in report.mistakes:
        click.echo(f"  {m.id}: expected {list(m.expected)} got {list(m.got)}")


@cli.command("lint")
@click.option(
    "--dir", "folder", type=click.Path(path_type=Path), default=packs.PACKS_DIR
)
@click.option(
    "--natures",
    "natures_file",
    type=click.Path(path_type=Path),
    default=natures.NATURES_FILE,
)
def lint_command(folder: Path, natures_file: Path) -> None:
    """Validate every pack in --dir and the natures file; one line per pack."""
    loaded: list[packs.RulePack] = []
    failed = False
    files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    if not files:
        click.echo(f"error {folder}: no pack files (*.toml)", err=True)
        failed = True
    for file in files:
        try:
            pack = packs.load_file(file)
        except packs.PackError as err:
            click.echo(f"error {err}", err=True)
            failed = True
            continue
        loaded.append(pack)
        click.echo(
            f"ok    {pack.id} v{pack.version}: {len(pack.rules)} rules ({file.name})"
        )
    try:
        packs.check_unique(tuple(loaded))
        found = natures.load(natures_file)
        click.echo(f"ok    natures: {len(found)} natures ({natures_file.name})")
        engine.build(loaded, found)
    except packs.PackError as err:
        click.echo(f"error {err}", err=True)
        failed = True
    if failed:
        raise click.exceptions.Exit(1)


@cli.command("reclassify")
@click.option("--batch", default=1000, show_default=True, help="Complaints per commit.")
def reclassify_command(batch: int) -> None:
    """Re-run every stored complaint through the current packs."""
    import sys

    from app.complaints import service as complaints

    total = complaints.count_complaints()
    with click.progressbar(length=total, label="reclassifying", file=sys.stderr) as bar:
        changed = complaints.reclassify_all(batch=batch, progress=bar.update)
    click.echo(f"reclassified {total} complaints; labels changed on {changed}")
