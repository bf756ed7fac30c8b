"""Smoke test of the sweep benchmark at a small size, so it cannot rot unnoticed."""

from bench import bench_sweep


def test_the_sweep_benchmark_runs_and_its_repeat_sweep_finds_nothing() -> None:
    result = bench_sweep.run(3000)
    assert result["n"] == 3000
    assert result["sweep"]["breached"] == result["baseline_update_rows"] > 0
    assert result["sweep"]["breaches_recorded"] == result["sweep"]["breached"]
    assert result["repeat_sweep"] == {
        "breached": 0,
        "breaches_recorded": 0,
        "at_risk": 0,
        "notices_queued": 0,
    }
    assert result["meets_target"]
