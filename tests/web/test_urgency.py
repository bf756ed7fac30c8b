"""Which clock a list shows and how the inbox orders complaints."""

from datetime import UTC, datetime

from app.web import urgency

T = datetime(2021, 5, 1, tzinfo=UTC)


def _clock(target: str, state: str, due_day: int | None = None, **kw) -> dict:
    due = datetime(2021, 5, due_day, tzinfo=UTC) if due_day else None
    return {"target": target, "state": state, "due_at": due, **kw}


def test_the_most_urgent_running_clock_is_shown() -> None:
    clocks = [
        _clock("resolution", "on_track", 20),
        _clock("first_response", "at_risk", 25),
        _clock("mediation", "on_track", 10),
    ]
    assert urgency.current(clocks)["target"] == "first_response"


def test_only_the_given_targets_count() -> None:
    clocks = [
        _clock("accept_decision", "breached", 2),
        _clock("resolution", "on_track", 9),
    ]
    assert urgency.current(clocks, {"resolution"})["target"] == "resolution"


def test_without_a_running_clock_the_last_finished_one_is_shown() -> None:
    clocks = [
        _clock("first_response", "met", completed_at=T),
        _clock("resolution", "met_late", completed_at=T.replace(day=3)),
    ]
    assert urgency.current(clocks)["target"] == "resolution"
    assert urgency.current([]) is None


def test_overdue_comes_first_and_paused_after_the_running_clocks() -> None:
    order = sorted(
        [
            _clock("x", "paused"),
            _clock("x", "on_track", 9),
            _clock("x", "breached", 20),
            _clock("x", "on_track", 3),
            None,
        ],
        key=urgency.urgency,
    )
    states = [(c or {}).get("state") for c in order]
    assert states == ["breached", "on_track", "on_track", "paused", None]
    assert order[1]["due_at"].day == 3
