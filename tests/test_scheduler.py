import threading
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from app import scheduler
from app.oversight import flags, rollups
from app.sla import notify, sweep


def test_jobs_table_lists_the_sweeps_delivery_and_flags() -> None:
    table = {job_id: (func, trigger) for job_id, func, trigger in scheduler.JOBS}
    assert table == {
        "sla.sweep": (sweep.sweep, {"trigger": "interval", "minutes": 5}),
        "sla.deliver_outbox": (
            notify.deliver_outbox,
            {"trigger": "interval", "minutes": 1},
        ),
        "oversight.sync_sla_rollups": (
            rollups.sync_sla,
            {"trigger": "interval", "minutes": 5},
        ),
        "oversight.recompute_flags": (
            flags.recompute_flags,
            {"trigger": "interval", "minutes": 15},
        ),
    }


def test_build_scheduler_registers_every_job_with_its_trigger() -> None:
    app = Flask(__name__)
    built = scheduler.build_scheduler(app)
    assert isinstance(built, BackgroundScheduler)
    assert not built.running
    jobs = {job.id: job for job in built.get_jobs()}
    assert set(jobs) == {
        "sla.sweep",
        "sla.deliver_outbox",
        "oversight.recompute_flags",
        "oversight.sync_sla_rollups",
    }
    assert isinstance(jobs["sla.sweep"].trigger, IntervalTrigger)
    assert jobs["sla.sweep"].trigger.interval == timedelta(minutes=5)
    assert jobs["sla.deliver_outbox"].trigger.interval == timedelta(minutes=1)
    assert jobs["sla.sweep"].args == (app, sweep.sweep)
    assert scheduler.JOB_DEFAULTS["max_instances"] == 1


def test_the_cli_uses_a_blocking_scheduler() -> None:
    assert isinstance(
        scheduler.build_scheduler(Flask(__name__), blocking=True), BlockingScheduler
    )


def test_a_job_runs_with_now_inside_an_app_context_and_commits(app) -> None:
    seen = {}

    def job(*, now):
        from flask import current_app

        seen["now"], seen["app"] = now, current_app.name
        return "done"

    assert scheduler.run_job(app, job) == "done"
    assert seen["now"].utcoffset() == timedelta(0)
    assert seen["app"] == app.name


def test_init_app_adds_the_command_and_starts_nothing_by_default() -> None:
    bare = Flask(__name__)
    bare.config["SCHEDULER_AUTOSTART"] = False
    before = threading.active_count()
    scheduler.init_app(bare)
    assert "scheduler" in bare.cli.commands
    assert threading.active_count() == before
