"""`flask oversight ...`: recount the rollups, fold in SLA changes, re-judge flags.

Each command is the same idempotent service the scheduler runs, given the
current instant, and commits its work.
"""

import click
from flask.cli import AppGroup

from app.clock import utcnow
from app.extensions import db
from app.oversight import flags, rollups

cli = AppGroup("oversight", help="Rollups and repeat-offender flags.")


@cli.command("rebuild-rollups")
def rebuild_rollups() -> None:
    """Recount every rollup from the complaints (after a bulk load or a repair)."""
    result = rollups.rebuild(now=utcnow())
    db.session.commit()
    click.echo(f"rollups rebuilt: {result['members']} complaints")


@cli.command("sync-sla")
def sync_sla() -> None:
    """Fold SLA states changed by the sweep into the rollups."""
    result = rollups.sync_sla(utcnow())
    db.session.commit()
    click.echo(f"sla states synced: {result['changed']} complaints changed")


@cli.command("recompute-flags")
def recompute_flags() -> None:
    """Re-judge every enterprise against the repeat-offender policy."""
    tally = flags.recompute_flags(utcnow())
    db.session.commit()
    click.echo("flags: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.items())))
