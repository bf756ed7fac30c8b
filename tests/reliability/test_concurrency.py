"""Concurrent writers on the test database (a SQLite file, or PostgreSQL).

Every thread pushes its own app context, so it has its own SQLAlchemy session
and connection, and uses its own test client. A barrier releases the threads
together. Counts are small (a few threads, a few dozen requests) and every
join has a timeout.
"""

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.accounts import audit
from app.accounts.models import AuditEntry
from app.complaints import service, workflow
from app.complaints.models import Complaint, ComplaintEvent, ComplaintMessage
from app.extensions import db
from tests import builders as b
from tests.reliability.conftest import People, counts

JOIN_TIMEOUT = 60


def run_threads(
    app: Flask, n: int, work: Callable[[Any, int], list[Any]]
) -> list[list[Any]]:
    """Run `work(client, i)` in n threads released together; return their results."""
    barrier = threading.Barrier(n, timeout=JOIN_TIMEOUT)
    results: list[list[Any]] = [[] for _ in range(n)]
    errors: list[BaseException] = []

    def target(i: int) -> None:
        try:
            with app.app_context():
                client = app.test_client()
                barrier.wait()
                results[i] = work(client, i)
                db.session.remove()
        except BaseException as exc:  # reported on the main thread
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a worker thread hung"
    assert errors == []
    db.session.rollback()
    db.session.expire_all()
    return results


def _file(client: Any, headers: dict[str, str], **over: Any) -> Any:
    return client.post(
        "/api/v1/complaints", json=b.complaint_body(**over), headers=headers
    )


def _in_step(monkeypatch, module: Any, name: str, n: int) -> None:
    """Make n threads all finish `module.name` before any goes on.

    This forces the interleaving a real race produces only sometimes: every
    request has read the complaint (or missed the idempotency key) before any
    of them writes, so the tests are deterministic.
    """
    original = getattr(module, name)
    barrier = threading.Barrier(n, timeout=JOIN_TIMEOUT)
    local = threading.local()

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if not getattr(local, "passed", False):
            local.passed = True
            barrier.wait()
        return result

    monkeypatch.setattr(module, name, wrapped)


RACE_BUG = (
    "BUG: the optimistic-lock StaleDataError is raised by an autoflush inside "
    "audit.record (workflow.transition) or by the explicit db.session.flush() "
    "(workflow.post_message), before _commit_or_conflict() can turn it into "
    "409, so the loser of a race gets 500"
)


@pytest.mark.parametrize("actions", [("accept", "accept"), ("accept", "reject")])
def test_racing_transitions_on_one_complaint_one_wins(
    app, client, people: People, monkeypatch, actions: tuple[str, str]
) -> None:
    cid = _file(client, people.assoc).get_json()["id"]
    before_audit = counts()["audit_entries"]
    _in_step(monkeypatch, workflow, "get_complaint", 2)

    def work(c: Any, i: int) -> list[Any]:
        extra = {"reason": "time_barred"} if actions[i] == "reject" else {}
        resp = c.post(
            f"/api/v1/complaints/{cid}/transitions",
            json={"action": actions[i], **extra},
            headers=people.regional,
        )
        return [resp.status_code, resp.get_json()]

    results = run_threads(app, 2, work)
    assert sorted(r[0] for r in results) == [200, 409], [r[0] for r in results]
    loser = next(r[1] for r in results if r[0] == 409)
    assert set(loser) == {"code", "status", "reason", "message", "errors"}
    events = db.session.scalars(
        select(ComplaintEvent).where(ComplaintEvent.complaint_id == cid)
    ).all()
    assert [e.action for e in events][0] == "file" and len(events) == 2
    winner = next(r[1] for r in results if r[0] == 200)
    assert db.session.get(Complaint, cid).status == winner["status"]
    assert counts()["audit_entries"] == before_audit + 1
    assert audit.verify() is None


def test_racing_messages_on_one_complaint_are_kept_or_409(
    app, client, people: People, monkeypatch
) -> None:
    cid = _file(client, people.assoc).get_json()["id"]
    before = counts()
    _in_step(monkeypatch, workflow, "get_complaint", 2)

    def work(c: Any, i: int) -> list[Any]:
        resp = c.post(
            f"/api/v1/complaints/{cid}/messages",
            json={"body": f"留言{i}"},
            headers=people.assoc,
        )
        return [resp.status_code]

    statuses = sorted(r[0] for r in run_threads(app, 2, work))
    assert all(s in (201, 409) for s in statuses), statuses
    assert counts()["complaint_messages"] == before[
        "complaint_messages"
    ] + statuses.count(201)


def test_concurrent_filings_get_unique_numbers_and_none_is_lost(
    app, people: People
) -> None:
    threads, per_thread = 4, 10
    before = counts()

    def work(c: Any, i: int) -> list[Any]:
        out = []
        for j in range(per_thread):
            resp = _file(c, people.assoc, order_no=f"CF{i:02d}{j:03d}")
            out.append((resp.status_code, (resp.get_json() or {}).get("number")))
        return out

    results = [x for r in run_threads(app, threads, work) for x in r]
    statuses = Counter(s for s, _ in results)
    assert statuses == Counter({201: threads * per_thread}), statuses
    numbers = [n for _, n in results]
    assert len(set(numbers)) == len(numbers)
    after = counts()
    assert after["complaints"] == before["complaints"] + threads * per_thread
    assert (
        after["complaint_events"] == before["complaint_events"] + threads * per_thread
    )
    stored = db.session.scalars(select(Complaint.number)).all()
    assert len(stored) == len(set(stored))
    assert audit.verify() is None


def test_same_idempotency_key_from_racing_retries_files_once(
    app, people: People, monkeypatch
) -> None:
    threads = 4
    _in_step(monkeypatch, service, "_replayed", threads)
    body = b.complaint_body(order_no="IDEM-RACE-1")
    before = counts()

    def work(c: Any, i: int) -> list[Any]:
        resp = c.post(
            "/api/v1/complaints",
            json=body,
            headers={**people.assoc, "Idempotency-Key": "race-key-1"},
        )
        return [resp.status_code, (resp.get_json() or {}).get("id")]

    results = run_threads(app, threads, work)
    assert sorted(r[0] for r in results) == [201] * threads, results
    assert len({r[1] for r in results}) == 1
    after = counts()
    assert after["complaints"] == before["complaints"] + 1
    assert after["idempotency_keys"] == before["idempotency_keys"] + 1


def test_write_load_from_many_threads_loses_nothing(
    app, client, people: People
) -> None:
    """Filings and messages from 4 threads at once: no 5xx; every 2xx is stored.

    Each thread talks on its own complaint: racing on one row is the
    (currently failing) test above; this one is about SQLite's single writer.
    """
    threads, per_thread = 4, 10
    own = [_file(client, people.assoc).get_json()["id"] for _ in range(threads)]
    before = counts()

    def work(c: Any, i: int) -> list[Any]:
        out = []
        for j in range(per_thread):
            if j % 2 == 0:
                resp = _file(c, people.assoc, order_no=f"WL{i}-{j}")
                kind = "file"
            else:
                resp = c.post(
                    f"/api/v1/complaints/{own[i]}/messages",
                    json={"body": f"线程{i}留言{j}"},
                    headers=people.assoc,
                )
                kind = "message"
            out.append((kind, resp.status_code, resp.get_json()))
        return out

    results = [x for r in run_threads(app, threads, work) for x in r]
    assert all(s < 500 for _, s, _ in results), [r for r in results if r[1] >= 500]
    filed = [r for r in results if r[0] == "file" and r[1] == 201]
    posted = [r for r in results if r[0] == "message" and r[1] == 201]
    refused = [r for r in results if r[1] not in (201,)]
    assert refused == []
    after = counts()
    assert after["complaints"] == before["complaints"] + len(filed)
    assert after["complaint_messages"] == before["complaint_messages"] + len(posted)
    stored = set(
        db.session.scalars(
            select(ComplaintMessage.body).where(ComplaintMessage.complaint_id.in_(own))
        )
    )
    assert stored == {r[2]["body"] for r in posted}
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
    assert entries == before["audit_entries"] + len(filed) + len(posted)
    assert audit.verify() is None
    print(
        f"\nwrite load: {len(results)} requests, {len(filed)} filed, "
        f"{len(posted)} messages, {len(refused)} clean 409s"
    )
