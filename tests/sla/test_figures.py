from decimal import Decimal

from app.sla.figures import Measured, percentile, summarise


def m(group, state, outcome=None, days=None) -> Measured:
    return Measured(group, state, outcome, Decimal(days) if days is not None else None)


def test_on_time_rate_counts_done_on_time_against_late() -> None:
    rows = [
        m("a", "met", "done", "1.5"),
        m("a", "met", "done", "3"),
        m("a", "met_late", "done", "12"),
        m("a", "breached"),
        m("a", "met", "ended"),
        m("a", "on_track"),
    ]
    (fig,) = summarise(rows)
    assert (fig.clocks, fig.on_time, fig.late, fig.open) == (6, 2, 2, 1)
    assert fig.on_time_rate == Decimal("0.5000")
    assert fig.avg_handling_days == Decimal("5.50")
    assert fig.p90_handling_days == Decimal("12")


def test_groups_are_kept_apart_and_empty_figures_are_none() -> None:
    figs = {f.group: f for f in summarise([m(1, "on_track"), m(2, "met", "done", "2")])}
    assert figs[1].on_time_rate is None and figs[1].avg_handling_days is None
    assert figs[2].on_time_rate == Decimal("1.0000")


def test_p90_is_nearest_rank() -> None:
    values = [Decimal(i) for i in range(1, 11)]
    assert percentile(values, 90) == Decimal(9)
    assert percentile(values[:1], 90) == Decimal(1)
    assert percentile([], 90) is None
