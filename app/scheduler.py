"""Periodic jobs, run in their own process by `flask scheduler run`.

APScheduler job stores cannot be shared between processes, and every forked web
worker would run its own copy, so the scheduler is never started by the web app
(SCHEDULER_AUTOSTART, off by default and in tests, is for single-process dev).
Each job is an idempotent sweep given `now`: a missed or doubled run is harmless.
A job runs inside an app context and its work is committed; a failing run is
rolled back, logged, and retried at the next tick.
"""

import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import AppGroup

from app import clock
from app.extensions import db
from app.oversight import flags, rollups
from app.sla import notify, sweep

log = logging.getLogger(__name__)

Job = tuple[str, Callable[..., Any], Mapping[str, Any]]

# (id, service function taking now=, trigger keyword arguments)
JOBS: tuple[Job, ...] = (
    ("sla.sweep", sweep.sweep, {"trigger": "interval", "minutes": 5}),
    (
        "sla.deliver_outbox",
        notify.deliver_outbox,
        {"trigger": "interval", "minutes": 1},
    ),
    # Flags also move at once on substantiation; this catches SLA-rate rules
    # and windows that expire with time.
    (
        "oversight.sync_sla_rollups",
        rollups.sync_sla,
        {"trigger": "interval", "minutes": 5},
    ),
    (
        "oversight.recompute_flags",
        flags.recompute_flags,
        {"trigger": "interval", "minutes": 15},
    ),
)

# One run at a time per job; a backlog of missed runs collapses into one.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}

cli = AppGroup("scheduler", help="Run the periodic jobs (SLA sweep, notices, flags).")


def run_job(app: Flask, func: Callable[..., Any]) -> Any:
    """Run one job function as the scheduler does: app context, `now`, commit."""
    with app.app_context():
        try:
            result = func(now=clock.utcnow())
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("scheduled job %s failed", getattr(func, "__name__", func))
            raise
        finally:
            db.session.remove()
        return result


def build_scheduler(app: Flask, *, blocking: bool = False) -> BaseScheduler:
    """Return a scheduler with every job of JOBS added (not started)."""
    scheduler: BaseScheduler = (
        BlockingScheduler(timezone="UTC", job_defaults=JOB_DEFAULTS)
        if blocking
        else BackgroundScheduler(timezone="UTC", job_defaults=JOB_DEFAULTS)
    )
    for job_id, func, trigger in JOBS:
        scheduler.add_job(
            run_job,
            args=(app, func),
            id=job_id,
            name=job_id,
            replace_existing=True,
            **trigger,
        )
    return scheduler


@cli.command("run")
def run() -> None:
    """Run the scheduler in the foreground until interrupted."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = build_scheduler(app, blocking=True)
    click.echo("scheduler: " + ", ".join(job_id for job_id, _, _ in JOBS))
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


def init_app(app: Flask) -> None:
    """Register `flask scheduler`; start in-process only if SCHEDULER_AUTOSTART."""
    app.cli.add_command(cli)
    if app.config.get("SCHEDULER_AUTOSTART") and not app.testing:
        build_scheduler(app).start()
