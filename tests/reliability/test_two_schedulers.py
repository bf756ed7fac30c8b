"""Two scheduler processes at once: every clock breached once, every notice sent once.

A deploy or an operator's mistake can leave two `flask scheduler` processes
running. Here two real processes, started at the same instant on the same
database (SQLite file, or a fresh PostgreSQL database under TEST_DATABASE_URL),
each run every scheduler job (app/scheduler.py JOBS: sweep, delivery, rollup
sync, flags) several times over complaints whose clocks ran out long ago,
delivering to a real local webhook receiver. Each process must exit cleanly;
each clock must have one breach row, and each queued webhook notice must have
reached the receiver exactly once.
"""

import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.reliability.conftest import ROOT, process_env, setup_database
from tests.sla.servers import webhook_server

COMPLAINTS = 24
ROUNDS = 3
SECRET = "two-schedulers-secret"

FILE_OLD_COMPLAINTS = f"""
from datetime import UTC, datetime
from decimal import Decimal
from app import create_app
from app.accounts.access import SYSTEM
from app.complaints import service
from app.complaints.enums import Channel
from app.extensions import db
app = create_app()
with app.app_context():
    for i in range({COMPLAINTS}):
        service.file_complaint(
            SYSTEM,
            data={{
                "complainant_name": "消费者" + str(i),
                "complainant_phone": "1390000" + str(1000 + i),
                "complainant_address": "河南省郑州市金水区",
                "enterprise_name": "美团",
                "order_no": "TWO" + str(i),
                "purchase_date": datetime(2021, 4, 29).date(),
                "amount": Decimal("99.00"),
                "request_type": "refund",
                "facts": "第" + str(i) + "位消费者：下单后商家一直不发货，客服也不回复。",
            }},
            channel=Channel.API,
            now=datetime(2021, 4, 30, 2, 0, tzinfo=UTC),
        )
"""

RUN_JOBS = f"""
import os, sys, time
from app import create_app
from app.scheduler import JOBS, run_job
app = create_app()
start = float(os.environ["START_AT"])
while time.time() < start:
    time.sleep(0.005)
for _ in range({ROUNDS}):
    for job_id, func, _trigger in JOBS:
        run_job(app, func)
print("done")
"""


def _python(env: dict[str, str], code: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_scheduler_processes_breach_once_and_notify_once(
    fresh_database_url: str, tmp_path: Path
) -> None:
    env = process_env(fresh_database_url, tmp_path)
    setup_database(env)
    filing = _python(env, FILE_OLD_COMPLAINTS)
    output = filing.communicate(timeout=120)
    assert filing.returncode == 0, output
    with webhook_server(delay=0.005) as log:
        env |= {
            "FLASK_SLA_WEBHOOK_URL": log.url,
            "FLASK_SLA_WEBHOOK_SECRET": SECRET,
            "START_AT": str(time.time() + 3),
        }
        schedulers = [_python(env, RUN_JOBS) for _ in range(2)]
        outcomes = [p.communicate(timeout=300) for p in schedulers]
        assert [p.returncode for p in schedulers] == [0, 0], outcomes
    engine = create_engine(fresh_database_url)
    try:
        with engine.connect() as conn:
            breaches = conn.execute(
                text(
                    "SELECT complaint_id, target, count(*) FROM sla_breaches"
                    " GROUP BY complaint_id, target"
                )
            ).all()
            webhook = conn.execute(
                text("SELECT key, status FROM outbox WHERE channel = 'webhook'")
            ).all()
    finally:
        engine.dispose()
    # Every complaint's acceptance clock (7 working days from 2021-04-30) ran out.
    assert len(breaches) == COMPLAINTS
    assert {n for _, _, n in breaches} == {1}
    delivered = [r.headers["x-sla-delivery"] for r in log.requests]
    assert len(delivered) == len(set(delivered)), "a notice was delivered twice"
    assert sorted(delivered) == sorted(key for key, _ in webhook)
    assert {status for _, status in webhook} == {"sent"}
