"""SIGKILL a real gunicorn mid-write; retried requests file each complaint once.

Client threads file complaints, each with its own Idempotency-Key, against
`gunicorn -w 2` on 127.0.0.1. After a second or two the master and its
workers are killed with SIGKILL (the whole process group), the server is
started again on the same database, and every request that got no answer is
sent again with the same key and body. Then every acknowledged complaint must
exist exactly once, no order number may appear twice, and the audit chain
must verify. CYCLES kill cycles (one by default); every loop, wait and request is bounded.
"""

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from tests import builders as b
from tests.reliability.conftest import BIN, ROOT, process_env, run_flask, setup_database

CLIENTS = 3
MAX_PER_CLIENT = 60  # per cycle; a client stops at its first unanswered request
RUN_SECONDS = 1.5
CYCLES = 1
WARM_UP = 6
REQUEST_TIMEOUT = 10


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn in its own session, so one killpg takes master and workers."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        self.log = log.open("ab")
        self.proc = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{self.port}",
                "--graceful-timeout",
                "1",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, log.read_text()[-2000:]
            try:
                status, _, _ = call(self.port, "GET", "/api/openapi.json", None, {})
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.kill()
        raise AssertionError("gunicorn did not start: " + log.read_text()[-2000:])

    def kill(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        try:
            self.proc.wait(timeout=15)
        finally:
            self.log.close()


def call(
    port: int, method: str, path: str, body: Any, headers: dict[str, str]
) -> tuple[int, dict[str, str], Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        payload = None if body is None else json.dumps(body).encode()
        hdrs = dict(headers)
        if payload is not None:
            hdrs["Content-Type"] = "application/json"
        conn.request(method, path, body=payload, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        data = json.loads(raw) if raw[:1] in (b"{", b"[") else raw
        return resp.status, dict(resp.getheaders()), data
    finally:
        conn.close()


@dataclass
class Ledger:
    acked: dict[str, tuple[int, str]] = field(
        default_factory=dict
    )  # key -> (id, order)
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> body
    refused: list[tuple[str, int, Any]] = field(default_factory=list)
    sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _file_until_killed(
    port: int,
    auth: dict[str, str],
    ledger: Ledger,
    cycle: int,
    client: int,
    stop: threading.Event,
) -> None:
    for i in range(MAX_PER_CLIENT):
        if stop.is_set():
            return
        key = f"crash-{cycle}-{client}-{i}"
        body = b.complaint_body(order_no=f"CR{cycle}{client:02d}{i:04d}")
        with ledger.lock:
            ledger.sent += 1
        try:
            status, _, data = call(
                port,
                "POST",
                "/api/v1/complaints",
                body,
                {**auth, "Idempotency-Key": key},
            )
        except (OSError, http.client.HTTPException):
            with ledger.lock:
                ledger.pending[key] = body
            return
        with ledger.lock:
            if status == 201:
                ledger.acked[key] = (data["id"], body["order_no"])
            else:
                ledger.refused.append((key, status, data))


def _warm_up(port: int, auth: dict[str, str], ledger: Ledger, cycle: int) -> None:
    """File a few complaints first, so both workers have loaded the rule packs."""
    for i in range(WARM_UP):
        key = f"warm-{cycle}-{i}"
        body = b.complaint_body(order_no=f"CRW{cycle}{i:03d}")
        status, _, data = call(
            port, "POST", "/api/v1/complaints", body, {**auth, "Idempotency-Key": key}
        )
        assert status == 201, data
        ledger.sent += 1
        ledger.acked[key] = (data["id"], body["order_no"])


def _retry(port: int, auth: dict[str, str], ledger: Ledger) -> int:
    replayed = 0
    for key, body in sorted(ledger.pending.items()):
        status, headers, data = call(
            port, "POST", "/api/v1/complaints", body, {**auth, "Idempotency-Key": key}
        )
        assert status == 201, (key, status, data)
        replayed += headers.get("Idempotent-Replayed") == "true"
        ledger.acked[key] = (data["id"], body["order_no"])
    ledger.pending.clear()
    return replayed


def test_sigkill_mid_write_loses_and_duplicates_nothing(
    fresh_database_url: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    env = process_env(fresh_database_url, tmp_path)
    token = setup_database(env)
    auth = {"Authorization": f"Bearer {token}"}
    ledger = Ledger()
    log = tmp_path / "gunicorn.log"
    servers: list[Server] = []
    kills = replayed = 0
    try:
        for cycle in range(CYCLES):
            server = Server(env, log)
            servers.append(server)
            replayed += _retry(server.port, auth, ledger)
            _warm_up(server.port, auth, ledger, cycle)
            stop = threading.Event()
            threads = [
                threading.Thread(
                    target=_file_until_killed,
                    args=(server.port, auth, ledger, cycle, c, stop),
                )
                for c in range(CLIENTS)
            ]
            for t in threads:
                t.start()
            time.sleep(RUN_SECONDS)
            server.kill()
            kills += 1
            stop.set()
            for t in threads:
                t.join(REQUEST_TIMEOUT * 2)
            assert not any(t.is_alive() for t in threads)
        server = Server(env, log)
        servers.append(server)
        replayed += _retry(server.port, auth, ledger)
        assert ledger.refused == []
        for key, (cid, order_no) in ledger.acked.items():
            status, _, data = call(
                server.port, "GET", f"/api/v1/complaints/{cid}", None, auth
            )
            assert status == 200 and data["order_no"] == order_no, (key, status)
    finally:
        for s in servers:
            s.kill()
    engine = create_engine(fresh_database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT order_no, count(*) FROM complaints "
                    "WHERE order_no LIKE 'CR%' GROUP BY order_no"
                )
            ).all()
    finally:
        engine.dispose()
    stored = dict(rows)
    assert all(n == 1 for n in stored.values()), {
        k: n for k, n in stored.items() if n > 1
    }
    acked_orders = {order for _, order in ledger.acked.values()}
    assert acked_orders <= set(stored)
    # A request killed after its commit but before its answer is in `stored`
    # and was retried, so every stored complaint is one someone was told about.
    assert set(stored) == acked_orders
    assert "intact" in run_flask(env, "audit", "verify")
    print(
        f"\ncrash: {ledger.sent} filings sent, {kills} SIGKILLs, "
        f"{len(ledger.acked)} acknowledged, {replayed} answered by replay, "
        f"{len(stored)} stored, {time.monotonic() - started:.1f} s"
    )
