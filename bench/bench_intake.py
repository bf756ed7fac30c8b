"""Intake over HTTP: complaints filed per second through gunicorn on loopback.

Each request does the whole job (validation, enterprise matching, rule-pack
classification, numbering, duplicate check, SLA clocks, audit chain). The
baseline, measured in the same run on the same database, is a bare endpoint
inserting one row. Also reports the peak memory (VmHWM) of the web workers.
Run with `python -m bench.bench_intake [--seconds 20] [--database-url URL]`.
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from bench import bench_classify
from bench.common import ROOT, demo_database, token

TARGET_PER_S = 500
TARGET_RATIO = 0.4
ENTERPRISE_NAMES = [
    "京东",
    "美团",
    "饿了么",
    "ele.me",
    "考拉海购",
    "阿里巴巴",
    "华为",
    "小米",
    "UU跑腿",
    "丹尼斯百货",
    "腾讯",
    "大商集团",
    "京东商城",
    "美团外卖",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(
    app_spec: str, db_url: str, port: int, workers: int
) -> subprocess.Popen[bytes]:
    env = os.environ | {"DATABASE_URL": db_url}
    gunicorn = str(Path(os.sys.executable).parent / "gunicorn")
    proc = subprocess.Popen(
        [
            gunicorn,
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_spec,
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def _peak_rss_mib(master_pid: int) -> float:
    peak = 0.0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master_pid):
            peak = max(peak, int(fields.get("VmHWM", "0 kB").split()[0]) / 1024)
    return peak


def _load(
    port: int,
    path: str,
    bodies: list[bytes],
    headers: dict[str, str],
    seconds: float,
    threads: int,
) -> tuple[int, int, float]:
    ok = failed = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    cursor = iter(range(len(bodies)))

    def worker() -> None:
        nonlocal ok, failed
        while time.monotonic() < stop_at:
            with lock:
                i = next(cursor, None)
            if i is None:
                return
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("POST", path, body=bodies[i], headers=headers)
                status = conn.getresponse().status
            except OSError:
                status = 0
            finally:
                conn.close()
            with lock:
                if status == 201:
                    ok += 1
                else:
                    failed += 1

    started = time.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return ok, failed, time.monotonic() - started


def _bodies(n: int, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    texts = bench_classify.generate(min(n, 3000), seed=seed)
    out = []
    for i in range(n):
        out.append(
            json.dumps(
                {
                    "complainant_name": "消费者" + str(i),
                    "complainant_phone": f"139{rng.randrange(10**8):08d}",
                    "complainant_address": "河南省郑州市金水区某路" + str(i) + "号",
                    "enterprise_name": rng.choice(ENTERPRISE_NAMES),
                    "order_no": f"B{i:09d}",
                    "purchase_date": "2021-05-01",
                    "amount": f"{rng.randrange(1, 5000)}.00",
                    "request_type": rng.choice(["refund", "return", "compensation"]),
                    "facts": texts[i % len(texts)],
                },
                ensure_ascii=False,
            ).encode()
        )
    return out


def run(
    seconds: float = 20.0,
    database_url: str | None = None,
    workers: int = 2,
    threads: int = 8,
) -> dict[str, Any]:
    db_url, _ = demo_database(database_url)
    tok = token(db_url, "association@demo.local")
    bodies = _bodies(40_000)
    port = _free_port()
    proc = _start("wsgi:app", db_url, port, workers)
    try:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {tok}"}
        _load(port, "/api/v1/complaints", bodies[:50], headers, 10, 2)  # warm up
        ok, failed, elapsed = _load(
            port, "/api/v1/complaints", bodies[50:], headers, seconds, threads
        )
        rss = _peak_rss_mib(proc.pid)
    finally:
        _stop(proc)
    port = _free_port()
    bare = _start("bench.bare_app:app", db_url, port, workers)
    try:
        plain = {"Content-Type": "application/json"}
        _load(port, "/bare", bodies[:50], plain, 10, 2)
        b_ok, b_failed, b_elapsed = _load(
            port, "/bare", bodies[50:], plain, seconds, threads
        )
        bare_rss = _peak_rss_mib(bare.pid)
    finally:
        _stop(bare)
    rate, base = ok / elapsed, b_ok / b_elapsed
    return {
        "database": "postgresql" if database_url else "sqlite",
        "filed": ok,
        "failed": failed,
        "per_s": rate,
        "baseline_per_s": base,
        "ratio": rate / base if base else 0.0,
        "target_per_s": TARGET_PER_S,
        "target_ratio": TARGET_RATIO,
        "worker_peak_rss_mib": rss,
        "bare_worker_peak_rss_mib": bare_rss,
        "workers": workers,
        "client_threads": threads,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    print(json.dumps(run(args.seconds, args.database_url), indent=2))


if __name__ == "__main__":
    main()
