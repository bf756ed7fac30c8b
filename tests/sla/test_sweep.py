import threading

from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.sla import sweep
from app.sla.models import ComplaintDeadline, OutboxNotice, SlaBreach
from tests.sla.builders import file, sh


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def state_of(complaint_id: int) -> str:
    return db.session.scalar(
        select(ComplaintDeadline.state).where(
            ComplaintDeadline.complaint_id == complaint_id
        )
    )


def test_sweep_marks_a_breach_once_with_one_notice_per_channel(app) -> None:
    c = file(sh(2021, 4, 30, 10))
    first = sweep.sweep(sh(2021, 5, 14, 1))
    assert first == {
        "breached": 1,
        "breaches_recorded": 1,
        "at_risk": 0,
        "notices_queued": 2,
    }
    again = sweep.sweep(sh(2021, 5, 15))
    assert again == {
        "breached": 0,
        "breaches_recorded": 0,
        "at_risk": 0,
        "notices_queued": 0,
    }
    assert state_of(c.id) == "breached"
    assert count(SlaBreach) == 1
    breach = db.session.scalar(select(SlaBreach))
    assert (breach.due_at, breach.overdue_seconds) == (sh(2021, 5, 14), 3600)
    assert sorted(db.session.scalars(select(OutboxNotice.key))) == [
        f"breach:{c.id}:accept_decision:email",
        f"breach:{c.id}:accept_decision:webhook",
    ]


def test_sweep_marks_clocks_entering_their_risk_window_and_reminds_once(app) -> None:
    c = file(sh(2021, 4, 30, 10))  # at risk from 05-11 21:36, due 05-14 00:00
    assert sweep.sweep(sh(2021, 5, 11, 21))["at_risk"] == 0
    assert sweep.sweep(sh(2021, 5, 11, 22))["at_risk"] == 1
    assert state_of(c.id) == "at_risk"
    assert sweep.sweep(sh(2021, 5, 12))["notices_queued"] == 0
    kinds = sorted(db.session.scalars(select(OutboxNotice.kind)))
    assert kinds == ["at_risk", "at_risk"]
    sweep.sweep(sh(2021, 5, 14))
    assert state_of(c.id) == "breached"


def test_sweep_leaves_completed_and_paused_clocks_alone(app) -> None:
    from tests.sla.builders import step

    done = file(sh(2021, 4, 30, 10))
    step(done, "accept", "accepted", sh(2021, 5, 6))
    sweep.sweep(sh(2021, 5, 20))
    accept = db.session.scalar(
        select(ComplaintDeadline).where(
            ComplaintDeadline.complaint_id == done.id,
            ComplaintDeadline.target == "accept_decision",
        )
    )
    assert accept.state == "met"
    assert count(SlaBreach) == 0


def test_two_sweeps_at_once_record_each_breach_and_notice_once(app: Flask) -> None:
    complaints = [file(sh(2021, 4, 30, 10)) for _ in range(30)]
    db.session.commit()
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait()
                results.append(sweep.sweep(sh(2021, 5, 14, 1)))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sum(r["breached"] for r in results) == len(complaints)
    assert sum(r["notices_queued"] for r in results) == 2 * len(complaints)
    db.session.expire_all()
    assert count(SlaBreach) == len(complaints)
    assert count(OutboxNotice) == 2 * len(complaints)
