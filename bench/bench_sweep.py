"""The SLA sweep at festival scale: 1,000,000 open clocks must sweep in <= 5 s.

Generates N open complaints' running clocks (one each, ids in arrival order over
30 days) in bulk in a fresh SQLite file, due and at-risk instants from the pure
bulk helpers (`due_dates_for`, one period per policy and receipt date), in the
state the previous sweep (`--since-hours` ago; default the scheduler's 5 minutes)
left them. `now` is just after midnight, when a whole day's clocks fall due. It
times a `SELECT count(*)` and the bare breach `UPDATE` (committed, on a copy) as
baselines, then the sweep, then a repeat sweep (idempotent: nothing to do). Only
SLA tables exist, as the sweep reads nothing else; foreign keys are not enforced.
Run with `python -m bench.bench_sweep --n 1000000`.
"""

import argparse
import json
import os
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event

from app.extensions import db
from app.sla import sweep
from app.sla.calendar import ONE_DAY, SHANGHAI, WorkCalendar, day_start
from app.sla.clock import due_dates_for
from app.sla.models import ComplaintDeadline, OutboxNotice, SlaBreach, SlaPolicyChoice
from app.sla.periods import at_risk_from, plan
from app.sla.policies import DEFAULT_POLICIES, Policy
from app.sla.precedence import Choice, choose

TARGET_SECONDS = 5.0
# Just after midnight in Beijing, the nightly peak: every working-day clock whose
# last day was Monday 11-22 fell due at 00:00, after 双十一's flood of complaints.
NOW = datetime(2021, 11, 22, 16, 3, tzinfo=UTC)
SWEEP_INTERVAL_HOURS = 5 / 60  # the scheduler's cadence (app/scheduler.py)
RECEIPT_DAYS = 30
_TABLES = [
    m.__table__ for m in (SlaPolicyChoice, ComplaintDeadline, SlaBreach, OutboxNotice)
]


def _stamp(moment: datetime) -> str:
    # The text form SQLAlchemy stores for UTCDateTime on SQLite (naive UTC).
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _instants(
    policy: Policy, days: list[date], calendar: WorkCalendar
) -> dict[date, tuple[datetime, datetime]]:
    """Due and at-risk instants per receipt date (all times of a date share them)."""
    last_days = due_dates_for(days, policy.amount, calendar)
    found = {}
    for day, last in zip(days, last_days, strict=True):
        assert last is not None, "the bench stays within covered years"
        period = plan(policy, day_start(day), (), calendar)
        assert period.due == day_start(last + ONE_DAY)
        found[day] = (period.due, at_risk_from(policy, period, calendar))
    return found


def _choices() -> list[Choice]:
    return [
        choose(p.target, [], campaign_id=None, categories=[]) for p in DEFAULT_POLICIES
    ]


def _rows(n: int, since: timedelta, seed: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(seed)
    calendar = WorkCalendar()
    first = (NOW - RECEIPT_DAYS * ONE_DAY).astimezone(SHANGHAI).date()
    days = [first + timedelta(days=i) for i in range(RECEIPT_DAYS)]
    starts = [day_start(d).astimezone(UTC) for d in days]
    plans = []
    for choice in _choices():
        policy = choice.policy
        by_day = _instants(policy, days, calendar)
        instants = [by_day[d] for d in days]
        plans.append((str(policy.target), policy.code, choice.key, instants))
    previous = NOW - since
    updated = _stamp(previous)
    # Ids follow arrival, as they do when complaints are filed one by one.
    arrivals = sorted(rng.randrange(RECEIPT_DAYS * 86400) for _ in range(n))
    for complaint_id, second in enumerate(arrivals, start=1):
        target, code, key, instants = plans[rng.randrange(len(plans))]
        day = second // 86400
        started = starts[day] + timedelta(seconds=second % 86400)
        due, risk = instants[day]
        risk = max(risk, started)
        if due <= previous:
            state = "breached"
        elif risk <= previous:
            state = "at_risk"
        else:
            state = "on_track"
        yield (
            complaint_id,
            target,
            code,
            key,
            _stamp(started),
            _stamp(due),
            _stamp(risk),
            state,
            0,
            updated,
        )


_BARE_UPDATE = (
    "UPDATE complaint_deadlines SET state = 'breached' WHERE state IN"
    " ('on_track', 'at_risk') AND completed_at IS NULL AND due_at <= ?"
)
_INSERT_CHOICE = (
    "INSERT INTO sla_policy_choices (key, policy, selection, created_at)"
    " VALUES (?, ?, ?, ?)"
)
_INSERT_DEADLINE = (
    "INSERT INTO complaint_deadlines (complaint_id, target, policy_code, choice_key,"
    " started_at, due_at, at_risk_at, state, pause_count, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# What the earlier sweeps recorded: one breach row and two notices each.
_EARLIER_BREACHES = (
    "INSERT INTO sla_breaches (complaint_id, target, policy_code, due_at,"
    " recorded_at, overdue_seconds) SELECT complaint_id, target, policy_code,"
    " due_at, updated_at, 0 FROM complaint_deadlines WHERE state = 'breached'"
)
_EARLIER_NOTICES = (
    "INSERT INTO outbox (key, kind, channel, complaint_id, target, created_at,"
    " status, attempts, next_attempt_at)"
    " SELECT 'breach:' || complaint_id || ':' || target || ':' || :channel,"
    " 'breach', :channel, complaint_id, target, updated_at, 'sent', 1, updated_at"
    " FROM complaint_deadlines WHERE state = 'breached'"
)


def _generate(path: Path, n: int, since: timedelta, seed: int) -> None:
    connection = sqlite3.connect(path)
    # Load first, index after: the way a bulk import is done, and much faster.
    indexes = [i for t in _TABLES for i in t.indexes]
    for index in indexes:
        connection.execute(f"DROP INDEX {index.name}")
    connection.execute("PRAGMA synchronous=OFF")
    with connection:
        for c in _choices():
            policy = json.dumps(c.policy.to_dict(), ensure_ascii=False)
            selection = json.dumps(c.to_dict(), ensure_ascii=False)
            connection.execute(_INSERT_CHOICE, (c.key, policy, selection, _stamp(NOW)))
        connection.executemany(_INSERT_DEADLINE, _rows(n, since, seed))
        connection.execute(_EARLIER_BREACHES)
        for channel in ("webhook", "email"):
            connection.execute(_EARLIER_NOTICES, {"channel": channel})
    with connection:
        for index in indexes:
            columns = ", ".join(c.name for c in index.columns)
            connection.execute(
                f"CREATE INDEX {index.name} ON {index.table.name} ({columns})"
            )
    connection.execute("ANALYZE")
    connection.close()


def _baselines(copy: Path) -> tuple[float, float, int]:
    """Time a full count and the bare breach UPDATE (committed) on a copy."""
    connection = sqlite3.connect(copy, isolation_level=None)
    # The settings the app gives every connection (app/__init__.py).
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    count_seconds, _ = _timed(
        lambda: connection.execute(
            "SELECT count(*) FROM complaint_deadlines"
        ).fetchone()
    )

    def bare_update() -> int:
        connection.execute("BEGIN")
        cursor = connection.execute(_BARE_UPDATE, (_stamp(NOW),))
        connection.execute("COMMIT")
        return cursor.rowcount

    update_seconds, updated = _timed(bare_update)
    connection.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    return count_seconds, update_seconds, updated


def _checkpoint() -> None:
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _timed(action: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def run(
    n: int,
    *,
    since_hours: float = SWEEP_INTERVAL_HOURS,
    seed: int = 7,
    keep: Path | None = None,
) -> dict[str, Any]:
    """Build N open clocks, time the sweep against its baselines, return the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        path = keep or Path(tmp) / "bench_sweep.sqlite3"
        path.unlink(missing_ok=True)
        app = Flask("bench_sweep")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
        db.init_app(app)
        with app.app_context():
            engine = db.engine

            @event.listens_for(engine, "connect")
            def _no_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
                dbapi_connection.execute("PRAGMA foreign_keys=OFF")

            db.metadata.create_all(engine, tables=_TABLES)
            generate_seconds, _ = _timed(
                lambda: _generate(path, n, timedelta(hours=since_hours), seed)
            )
            copy = path.with_name("baseline.sqlite3")
            _checkpoint()  # all of it in the main file before copying that
            shutil.copyfile(path, copy)
            os.sync()  # let no write-back of the copy run during the timings
            sweep_seconds, counts = _timed(lambda: sweep.sweep(NOW))
            # Copying the sweep's WAL back into the database falls to whichever
            # connection commits next; time it here so it is not hidden there.
            checkpoint_seconds, _ = _timed(_checkpoint)
            repeat_seconds, repeat = _timed(lambda: sweep.sweep(NOW))
            count_seconds, update_seconds, updated = _baselines(copy)
            db.session.remove()
            engine.dispose()
    return {
        "n": n,
        "since_hours": since_hours,
        "generate_seconds": round(generate_seconds, 2),
        "baseline_count_seconds": round(count_seconds, 3),
        "baseline_update_seconds": round(update_seconds, 3),
        "baseline_update_rows": updated,
        "sweep_seconds": round(sweep_seconds, 3),
        "sweep": counts,
        "checkpoint_seconds": round(checkpoint_seconds, 3),
        "repeat_sweep_seconds": round(repeat_seconds, 3),
        "repeat_sweep": repeat,
        "ratio_to_bare_update": round(sweep_seconds / update_seconds, 2)
        if update_seconds
        else None,
        "target_seconds": TARGET_SECONDS,
        "meets_target": sweep_seconds <= TARGET_SECONDS,
    }


def run_sizes(sizes: Sequence[int] = (100_000, 1_000_000)) -> dict[str, Any]:
    """Run at each size, in the shape `python -m bench` puts in its table."""
    found = []
    for n in sizes:
        result = run(n)
        found.append(
            result
            | {
                "sweep_s": result["sweep_seconds"],
                "baseline_s": result["baseline_update_seconds"],
                "baseline_label": "bare breach UPDATE",
            }
        )
    return {"sizes": found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument(
        "--since-hours",
        type=float,
        default=SWEEP_INTERVAL_HOURS,
        help="how long ago the previous sweep ran",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    result = run(args.n, since_hours=args.since_hours, seed=args.seed)
    sw = result["sweep"]
    generated = result["generate_seconds"]
    print(f"open clocks           {result['n']:>12,}  (generated in {generated} s)")
    print(f"baseline SELECT count {result['baseline_count_seconds']:>10.3f} s")
    print(
        f"baseline bare UPDATE  {result['baseline_update_seconds']:>10.3f} s"
        f"  ({result['baseline_update_rows']:,} rows, committed on a copy)"
    )
    print(
        f"sweep                 {result['sweep_seconds']:>10.3f} s"
        f"  (breached {sw['breached']:,}, at risk {sw['at_risk']:,},"
        f" notices {sw['notices_queued']:,})"
    )
    print(f"WAL checkpoint after  {result['checkpoint_seconds']:>10.3f} s")
    print(
        f"repeat sweep          {result['repeat_sweep_seconds']:>10.3f} s"
        f"  (breached {result['repeat_sweep']['breached']}: idempotent)"
    )
    print(f"sweep / bare UPDATE   {result['ratio_to_bare_update']:>10}")
    verdict = "OK" if result["meets_target"] else "MISSED"
    print(f"target                <= {TARGET_SECONDS} s for the sweep: {verdict}")


if __name__ == "__main__":
    main()
