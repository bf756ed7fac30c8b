"""SLA figures for regulators: on-time rate and handling time per group.

A clock counts as on time when the awaited step was taken by its due instant; as
late when it is past due (breached) or the step came late (met_late). Clocks that
stopped on time for another reason (the complaint was withdrawn) and clocks still
running within their period count neither way. Handling time is measured in
working days (24 h per working day) from the clock's start to the awaited step;
the 90th percentile uses the nearest-rank method, so it is always an observed value.
"""

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Measured:
    """One clock as the figures see it."""

    group: Hashable
    state: str
    outcome: str | None  # done | ended | None while running
    handling_days: Decimal | None  # for a done clock with a known calendar


@dataclass(frozen=True)
class Figure:
    group: Hashable
    clocks: int  # every clock in the group
    on_time: int
    late: int
    open: int  # running within its period, paused, or calendar unknown
    on_time_rate: Decimal | None  # on_time / (on_time + late), None if neither
    avg_handling_days: Decimal | None
    p90_handling_days: Decimal | None


def summarise(rows: Iterable[Measured]) -> list[Figure]:
    """Aggregate measured clocks per group, in first-seen group order."""
    groups: dict[Hashable, list[Measured]] = defaultdict(list)
    for row in rows:
        groups[row.group].append(row)
    return [_figure(group, members) for group, members in groups.items()]


def _figure(group: Hashable, rows: Sequence[Measured]) -> Figure:
    on_time = sum(1 for r in rows if r.state == "met" and r.outcome == "done")
    late = sum(1 for r in rows if r.state in ("breached", "met_late"))
    ended = sum(1 for r in rows if r.state == "met" and r.outcome != "done")
    handled = sorted(
        r.handling_days
        for r in rows
        if r.outcome == "done" and r.handling_days is not None
    )
    decided = on_time + late
    return Figure(
        group=group,
        clocks=len(rows),
        on_time=on_time,
        late=late,
        open=len(rows) - on_time - late - ended,
        on_time_rate=_round(Decimal(on_time) / decided, 4) if decided else None,
        avg_handling_days=_round(sum(handled, Decimal(0)) / len(handled))
        if handled
        else None,
        p90_handling_days=percentile(handled, 90),
    )


def percentile(values: Sequence[Decimal], q: int) -> Decimal | None:
    """Return the q-th percentile of sorted values by nearest rank (None if empty)."""
    if not values:
        return None
    rank = max(1, math.ceil(q / 100 * len(values)))
    return values[rank - 1]


def _round(value: Decimal, places: int = 2) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def in_working_days(seconds: float) -> Decimal:
    """Express working time in seconds as working days, to two places."""
    return _round(Decimal(str(seconds)) / 86400)
