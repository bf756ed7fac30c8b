"""The benchmark harness's table and its keeping of rows between runs."""

import json
from pathlib import Path
from types import SimpleNamespace

from bench import __main__ as harness


def _args(**kw: object) -> SimpleNamespace:
    base = {"quick": False, "database_url": None, "growth": harness.GROWTH}
    return SimpleNamespace(**{**base, "keep_data": None, "only": None, **kw})


MATCHING = {"candidates": 1000, "p99_ms": 1.2, "lookups_per_s": 900}
MATCHING |= {"baseline_dict_p99_ms": 0.002, "meets_target": True}


def test_a_partial_run_keeps_the_other_rows_of_the_last_one(tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    out.write_text("# Benchmarks\n\nhand-written text\n")
    first = {"matching": MATCHING, "classify": {"error": "boom"}}
    harness._write(out, harness._table(first), first, _args())
    assert harness._previous(out) == first
    assert "hand-written text" in out.read_text()

    kept = harness._previous(out)
    kept["classify"] = {"error": "again", "measured_at": "later"}
    harness._write(out, harness._table(kept), kept, _args(only="classify"))
    text = out.read_text()
    assert harness._previous(out) == kept
    assert "--only classify" in text and "kept from earlier runs" in text
    assert "600×" in text  # the matching row, kept, with its ratio to a dict lookup
    assert text.count("hand-written text") == 1


def test_no_previous_figures_in_a_missing_or_broken_file(tmp_path: Path) -> None:
    assert harness._previous(tmp_path / "none.md") == {}
    broken = tmp_path / "broken.md"
    broken.write_text(harness.MARKER + "\n```json\n{not json\n```\n")
    assert harness._previous(broken) == {}
    listed = tmp_path / "list.md"
    listed.write_text(harness.MARKER + "\n```json\n" + json.dumps([1]) + "\n```\n")
    assert harness._previous(listed) == {}


def test_worker_memory_stands_beside_the_bare_worker() -> None:
    intake = {"database": "sqlite", "workers": 2, "per_s": 60.0}
    intake |= {"baseline_per_s": 750.0, "ratio": 0.08}
    rows = harness._rows("intake", {**intake, "worker_peak_rss_mib": 140.0})
    assert rows[1][2:4] == ("—", "—")  # older figures had no bare worker
    rows = harness._rows(
        "intake",
        {**intake, "worker_peak_rss_mib": 140.0, "bare_worker_peak_rss_mib": 35.0},
    )
    assert rows[1][2:4] == ("bare app worker 35 MiB", "4.0×")
