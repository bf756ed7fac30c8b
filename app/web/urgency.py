"""Which SLA clock of a complaint matters now, and how urgent the complaint is.

A complaint runs up to four clocks. A list shows one: the running clock that is
most urgent (overdue first, then at risk, then the earliest due), or, when none
runs, the one that finished last. The enterprise inbox sorts by the same rule
over the enterprise's own clocks, so overdue work is on top and a paused clock
(waiting for the complainant) sinks below the clocks that are running.
"""

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

Deadline = Mapping[str, Any]

# Lower is more urgent. A paused clock cannot run out, so it comes after the
# running ones; a clock without a calendar still needs an admin, so before.
RUNNING = {
    "breached": 0,
    "at_risk": 1,
    "on_track": 2,
    "calendar_unknown": 3,
    "paused": 4,
}
NOT_RUNNING = 5
FAR = float("inf")


def _due(deadline: Deadline) -> float:
    due: datetime | None = deadline.get("due_at")
    return due.timestamp() if due is not None else FAR


def current(
    deadlines: Sequence[Deadline], targets: Collection[str] | None = None
) -> Deadline | None:
    """Return the clock to show: the most urgent running one, else the last ended."""
    mine = [d for d in deadlines if targets is None or d["target"] in targets]
    running = [d for d in mine if d["state"] in RUNNING]
    if running:
        return min(running, key=urgency)
    ended = [d for d in mine if d.get("completed_at") is not None]
    if ended:
        return max(ended, key=lambda d: d["completed_at"])
    return mine[-1] if mine else None


def urgency(deadline: Deadline | None) -> tuple[int, float]:
    """Sort key: state rank, then due instant (earliest first)."""
    if deadline is None:
        return NOT_RUNNING, FAR
    return RUNNING.get(deadline["state"], NOT_RUNNING), _due(deadline)
