"""`flask complaints import FILE`: bulk import from CSV or XLSX."""

import csv
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from app.accounts import auth
from app.accounts import service as accounts
from app.accounts.access import SYSTEM, Actor
from app.complaints import importer
from app.errors import DomainError

cli = AppGroup("complaints", help="Complaint intake.")


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Import the valid rows; write the rest to --rejects.",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write rejected rows and reasons (default: FILE.rejects.csv).",
)
@click.option(
    "--as", "as_user", default=None, help="E-mail of the filing user (default: system)."
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=None,
    help="Processes checking rows beside the one filing them "
    "(default: one less than the CPUs, at most 4; 0: none).",
)
def import_cmd(
    file: Path,
    skip_invalid: bool,
    rejects: Path | None,
    as_user: str | None,
    workers: int | None,
) -> None:
    """Import complaints: all rows or none, unless --skip-invalid."""
    actor: Actor = SYSTEM
    try:
        if as_user:
            actor = auth.actor_for(accounts.find_user(as_user))
        content = file.read_bytes()
        bar = _Progress() if sys.stderr.isatty() else None
        try:
            report = importer.import_file(
                actor,
                filename=file.name,
                content=content,
                skip_invalid=skip_invalid,
                progress=bar,
                workers=importer.default_workers() if workers is None else workers,
            )
        finally:
            if bar is not None:
                bar.close()
    except importer.ImportFileError as err:
        raise click.ClickException(err.en) from err
    except DomainError as err:
        lines = [err.message_en] + [
            f"  {row}: {problems}" for row, problems in err.errors.items()
        ]
        raise click.ClickException("\n".join(lines)) from err
    click.echo(f"imported {len(report.imported)} of {report.total_rows} rows")
    if report.rejected:
        target = rejects or file.with_name(file.name + ".rejects.csv")
        with target.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(["row", "column", "problem"])
            for r in report.rejected:
                for column, problems in r.errors.items():
                    writer.writerow([r.row, column, "; ".join(problems)])
        click.echo(f"rejected {len(report.rejected)} rows; reasons written to {target}")


class _Progress:
    """A click progress bar over the file's rows, opened at the first report."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._done = 0

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(
                length=total, label="importing", file=sys.stderr
            )
            self._bar.__enter__()
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
