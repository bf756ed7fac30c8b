"""`flask db backup PATH`: a consistent copy of the database while it serves.

SQLite uses its online backup API, which copies a consistent snapshot even
while workers write. PostgreSQL is backed up with its own tool (pg_dump); the
command prints the exact invocation instead of guessing credentials.
"""

import sqlite3
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.engine import make_url


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Write a consistent backup of the database to PATH."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        target = url.set(drivername="postgresql").render_as_string(hide_password=True)
        raise click.ClickException(
            "PostgreSQL: use pg_dump, e.g.\n"
            f"  pg_dump --format=custom --file {path} '{target}'\n"
            f"and restore with pg_restore --dbname NEWDB {path}"
        )
    if not url.database or url.database == ":memory:":
        raise click.ClickException("an in-memory database cannot be backed up")
    if path.exists():
        raise click.ClickException(f"{path} exists; choose a new file")
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(url.database) as source, sqlite3.connect(path) as dest:
        source.backup(dest)
    click.echo(f"backed up {url.database} to {path}")
