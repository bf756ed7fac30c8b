"""`python -m bench` (`make bench`): run every benchmark, print a table, write BENCHMARKS.md.

Each figure stands beside a baseline measured in the same run, so the ratio
holds on a noisy machine even when absolute times do not. Options:
`--quick` (smaller sizes, for a smoke run), `--database-url URL` (also run
intake and aggregates on PostgreSQL), `--only NAME[,NAME]` (run only those;
the other rows are kept from the last run in the output), `--growth
N,N,...` (complaint counts for the sweep and aggregates; default 100k and 1M),
`--keep-data DIR` (keep the generated aggregates data sets and re-time them).
"""

import argparse
import json
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import ROOT, machine

GROWTH = "100000,1000000"  # complaint counts for the sweep and aggregates


def _rows(name: str, r: dict[str, Any]) -> list[tuple[str, str, str, str, str, str]]:
    """(benchmark, figure, baseline, ratio, target, met?) rows for the table."""
    yes = lambda ok: "yes" if ok else "**no**"  # noqa: E731
    if name == "classify":
        return [
            (
                "classification (texts/s, all packs, one core)",
                f"{r['engine_texts_per_s']:,}",
                f"bare pyahocorasick {r['bare_scan_texts_per_s']:,}",
                f"{r['ratio']:.2f}",
                "≥ 20,000/s, ratio ≥ 0.5",
                f"rate {yes(r['meets_rate'])}, ratio {yes(r['meets_ratio'])}",
            )
        ]
    if name == "matching":
        return [
            (
                f"enterprise matching ({r['candidates']:,} enterprises)",
                f"p99 {r['p99_ms']} ms, {r['lookups_per_s']:,}/s",
                f"dict lookup p99 {r['baseline_dict_p99_ms']} ms",
                f"{r['p99_ms'] / max(r['baseline_dict_p99_ms'], 1e-9):,.0f}×",
                "p99 ≤ 2 ms",
                yes(r["meets_target"]),
            )
        ]
    if name.startswith("intake"):
        bare = r.get("bare_worker_peak_rss_mib")
        return [
            (
                f"intake over HTTP ({r['database']}, gunicorn {r['workers']} workers)",
                f"{r['per_s']:,.0f}/s",
                f"bare insert {r['baseline_per_s']:,.0f}/s",
                f"{r['ratio']:.2f}",
                "≥ 500/s, ratio ≥ 0.4",
                f"rate {yes(r['per_s'] >= 500)}, ratio {yes(r['ratio'] >= 0.4)}",
            ),
            (
                f"web worker peak memory ({r['database']}, all packs loaded)",
                f"{r['worker_peak_rss_mib']:.0f} MiB",
                f"bare app worker {bare:.0f} MiB" if bare else "—",
                f"{r['worker_peak_rss_mib'] / bare:.1f}×" if bare else "—",
                "report",
                "—",
            ),
        ]
    if name == "import":
        base = r["baseline_validate_rows_per_s"]
        runs = [
            (
                f"{_workers(r.get('workers', 0))} checking rows beside the filing "
                "process",
                r["rows_per_s"],
            )
        ]
        if "rows_per_s_one_process" in r:
            runs.append(("one process", r["rows_per_s_one_process"]))
        return [
            (
                f"import ({r['rows']:,} CSV rows, {label})",
                f"{rate:,.0f} rows/s",
                f"read+validate only {base:,.0f} rows/s",
                f"{rate / base:.2f}",
                "≥ 2,000 rows/s",
                yes(rate >= 2000),
            )
            for label, rate in runs
        ]
    if name.startswith("sweep"):
        rows = []
        for size in r.get("sizes", [r]):
            rows.append(
                (
                    f"SLA sweep ({size['n']:,} open complaints)",
                    f"{size['sweep_s']:.2f} s",
                    f"{size.get('baseline_label', 'baseline')} {size['baseline_s']:.2f} s",
                    f"{size['sweep_s'] / max(size['baseline_s'], 1e-9):.1f}×",
                    "≤ 5 s at 1M",
                    yes(size["sweep_s"] <= 5) if size["n"] == 1_000_000 else "—",
                )
            )
        return rows
    if name.startswith("aggregates"):
        rows = []
        base = r["baseline"]
        for key, t in r["endpoints"].items():
            raw = base[
                "top_enterprises_raw"
                if "enterprise" in key
                else "group_by_category_raw"
            ]
            http, service = t["http"], t["service"]
            worst = max(http["p95_ms"], service["p95_ms"])
            rows.append(
                (
                    f"aggregate {key} ({r['database']}, {r['complaints']:,} complaints)",
                    f"HTTP p50 {http['p50_ms']:.1f} / p95 {http['p95_ms']:.1f} ms "
                    f"(service p95 {service['p95_ms']:.1f})",
                    f"raw GROUP BY p50 {raw['p50_ms']:.0f} ms",
                    f"{raw['p50_ms'] / max(http['p50_ms'], 1e-9):.1f}× faster",
                    "p95 ≤ 150 ms",
                    yes(worst <= 150),
                )
            )
        return rows
    return [(name, json.dumps(r, ensure_ascii=False)[:80], "", "", "", "")]


def _aggregates(module: Any, size: int, keep: Path | None) -> dict[str, Any]:
    """Aggregates on SQLite at `size`; with `keep`, the data set is kept there and
    a kept one is timed again instead of being generated anew."""
    if keep is None:
        return dict(module.run(size, 10_000))
    keep.mkdir(parents=True, exist_ok=True)
    path = keep / f"aggregates-{size}.sqlite3"
    reuse = path.exists()
    result = dict(
        module.run(size, 10_000, database_url=f"sqlite:///{path}", reuse=reuse)
    )
    result["reused_data_set"] = reuse
    return result


def _runners(
    quick: bool, db_url: str | None, growth: list[int], keep: Path | None = None
) -> dict[str, Callable[[], dict[str, Any]]]:
    from bench import bench_classify, bench_import, bench_intake, bench_matching

    runners: dict[str, Callable[[], dict[str, Any]]] = {
        "classify": bench_classify.run,
        "matching": (lambda: bench_matching.run(20_000, 2_000))
        if quick
        else bench_matching.run,
        "intake": lambda: bench_intake.run(5 if quick else 20),
        "import": lambda: bench_import.run(2_000 if quick else 20_000),
    }
    if db_url:
        runners["intake-postgresql"] = lambda: bench_intake.run(
            5 if quick else 20, db_url
        )
    try:
        from bench import bench_sweep

        runners["sweep"] = (
            (lambda: bench_sweep.run_sizes([20_000]))
            if quick
            else (lambda: bench_sweep.run_sizes(growth))
        )
    except ImportError:
        pass
    try:
        from bench import bench_aggregates

        if quick:
            runners["aggregates"] = lambda: bench_aggregates.run(20_000, 500)
        # PostgreSQL before the larger SQLite sizes, which take longest.
        if db_url:
            runners["aggregates-postgresql"] = lambda: bench_aggregates.run(
                20_000 if quick else 1_000_000,
                500 if quick else 10_000,
                database_url=db_url,
            )
        for size in [] if quick else growth:
            # How cost grows: the same festival at each size, 10,000 enterprises.
            runners[f"aggregates-{size // 1000}k"] = lambda size=size: _aggregates(
                bench_aggregates, size, keep
            )
    except ImportError:
        pass
    return runners


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--only", default=None)
    parser.add_argument(
        "--keep-data",
        default=None,
        help="keep the SQLite aggregates data sets in this folder and re-time them",
    )
    parser.add_argument(
        "--growth",
        default=GROWTH,
        help="complaint counts for the sweep and SQLite aggregates (add 5000000)",
    )
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    growth = [int(n) for n in args.growth.split(",")]
    keep = Path(args.keep_data) if args.keep_data else None
    runners = _runners(args.quick, args.database_url, growth, keep)
    if args.only:
        runners = {k: v for k, v in runners.items() if k in args.only.split(",")}
    # With --only, the other benchmarks' rows are kept from the last run
    # written to the output (each row's baseline is from its own run).
    results: dict[str, Any] = _previous(Path(args.output)) if args.only else {}
    for name, fn in runners.items():
        started = time.perf_counter()
        print(f"running {name} ...", flush=True)
        try:
            results[name] = fn()
        except Exception as exc:  # one failed benchmark must not lose the others
            traceback.print_exc()
            results[name] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        results[name]["measured_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
        # Written after every benchmark, so a long run keeps what it measured.
        table = _table(results)
        _write(Path(args.output), table, results, args)
    print("\n".join(table))


def _table(results: dict[str, Any]) -> list[str]:
    table = [
        "| benchmark | figure | baseline (same run) | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        rows = (
            [(name, f"failed: {r['error']}", "", "", "", "**no**")]
            if "error" in r
            else _rows(name, r)
        )
        table += ["| " + " | ".join(row) + " |" for row in rows]
    return table


MARKER = "<!-- generated by python -m bench -->"


def _previous(path: Path) -> dict[str, Any]:
    """The raw figures of the last run written to `path`, if any."""
    text = path.read_text() if path.exists() else ""
    start = text.find("```json\n", max(text.find(MARKER), 0))
    end = text.find("\n```", start + 8)
    if MARKER not in text or start < 0 or end < 0:
        return {}
    try:
        found = json.loads(text[start + 8 : end])
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _workers(n: int) -> str:
    return "1 worker" if n == 1 else f"{n} workers"


def _write(path: Path, table: list[str], results: dict[str, Any], args: Any) -> None:
    marker = MARKER
    head = path.read_text().split(marker)[0] if path.exists() else "# Benchmarks\n\n"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cmd = (
        "python -m bench"
        + (" --quick" if args.quick else "")
        + (" --database-url URL" if args.database_url else "")
        + (f" --growth {args.growth}" if args.growth != GROWTH else "")
        + (" --keep-data DIR" if args.keep_data else "")
        + (f" --only {args.only}" if args.only else "")
    )
    body = [
        marker,
        "",
        f"Last run: {stamp}, `{cmd}`"
        + (
            "; the other rows are kept from earlier runs "
            "(`measured_at` in the raw figures)"
            if args.only
            else ""
        ),
        "",
        f"Machine: {machine()}",
        "",
        *table,
        "",
        "<details><summary>raw figures</summary>",
        "",
        "```json",
        json.dumps(results, indent=2, ensure_ascii=False, default=str),
        "```",
        "",
        "</details>",
        "",
    ]
    path.write_text(head.rstrip() + "\n\n" + "\n".join(body))


if __name__ == "__main__":
    main()
