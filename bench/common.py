"""Shared helpers for the benchmarks: a temp database with the demo loaded, a
machine description, and percentile arithmetic."""

import os
import platform
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    """One line saying what the figures were measured on."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem_gib:.0f} GiB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def demo_database(url: str | None = None) -> tuple[str, Path]:
    """Create a fresh database (SQLite in a temp dir unless `url`), migrate, load the demo."""
    workdir = Path(tempfile.mkdtemp(prefix="festival-bench-"))
    db_url = url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    if url is not None:
        _empty_schema(url)  # another benchmark may have used this database
    env = os.environ | {"DATABASE_URL": db_url, "FLASK_APP": "wsgi"}
    flask = str(Path(os.sys.executable).parent / "flask")
    for args in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run(
            [flask, *args], cwd=ROOT, env=env, check=True, capture_output=True
        )
    return db_url, workdir


def _empty_schema(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def token(db_url: str, email: str) -> str:
    env = os.environ | {"DATABASE_URL": db_url, "FLASK_APP": "wsgi"}
    flask = str(Path(os.sys.executable).parent / "flask")
    out = subprocess.run(
        [flask, "tokens", "create", email, "--name", "bench"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def fmt(value: Any, digits: int = 1) -> str:
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)
