"""`flask calendar …` and `flask sla …`: working days by hand, sweeps on demand.

`deadline START N` prints the N-th working day after START (民法典 Art. 201: START
itself never counts), or with `--calendar-days` the N-th calendar day, rolled to
the next working day with `--roll` (Art. 203). Both calendar commands use the
admin's overrides from the database when the app has one. A year the calendar does
not cover is an error, never a Mon–Fri guess. `sla sweep` and `sla deliver` run
one scheduler job now.
"""

import re
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

from app.clock import utcnow
from app.sla import notify, service, sweep
from app.sla.calendar import CalendarUnknown, WorkCalendar

cli = AppGroup("calendar", help="Working-day calendar (chinesecalendar + overrides).")
sla_cli = AppGroup("sla", help="SLA clocks: sweep for breaches, deliver notices.")

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(ctx: click.Context, param: click.Parameter, value: str) -> date:
    # date.fromisoformat alone would also take week dates and compact forms.
    if _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise click.BadParameter(f"expected a real date as YYYY-MM-DD, got {value!r}")


def load_calendar() -> WorkCalendar:
    """Build the calendar the commands use: the library plus the DB's overrides."""
    if "sqlalchemy" not in current_app.extensions:
        # A bare app (no database configured): the library data alone.
        return WorkCalendar()
    return service.load_calendar()


@cli.command("deadline")
@click.argument("start", metavar="START", callback=_iso_date)
@click.argument("n", type=click.IntRange(min=0))
@click.option("--calendar-days", is_flag=True, help="Count calendar days instead.")
@click.option("--roll", is_flag=True, help="Move a non-working last day to a workday.")
def deadline(start: date, n: int, calendar_days: bool, roll: bool) -> None:
    """Print the last day of an N-day period received on START."""
    if roll and not calendar_days:
        raise click.UsageError("--roll applies only with --calendar-days")
    calendar = load_calendar()
    try:
        if calendar_days:
            end = calendar.add_calendar_days(start, n, roll_to_workday=roll)
        else:
            end = calendar.add_working_days(start, n)
    except CalendarUnknown as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(end.isoformat())


@cli.command("is-workday")
@click.argument("day", metavar="DATE", callback=_iso_date)
def is_workday(day: date) -> None:
    """Print yes if DAY is a working day, no otherwise."""
    try:
        workday = load_calendar().is_workday(day)
    except CalendarUnknown as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("yes" if workday else "no")


@sla_cli.command("sweep")
def sweep_now() -> None:
    """Mark breached and at-risk clocks now and queue their notices."""
    counts = sweep.sweep(utcnow())
    click.echo(" ".join(f"{key}={value}" for key, value in counts.items()))


@sla_cli.command("deliver")
@click.option("--limit", type=click.IntRange(min=1), default=1000, show_default=True)
def deliver_now(limit: int) -> None:
    """Deliver the queued notices that are due now."""
    counts = notify.deliver_outbox(utcnow(), limit=limit)
    click.echo(" ".join(f"{key}={value}" for key, value in counts.items()))
