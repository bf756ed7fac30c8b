"""Period arithmetic: where a policy's running clock time is used up.

The clock runs from 00:00 Asia/Shanghai of the day after receipt (民法典 Art. 201),
or from the start instant for hour periods. For working-day periods only working
days supply time, 24 h each, so N working days end at 24:00 of the N-th working day
after receipt; other units run on every day. Stops (pause intervals) take out the
running time they overlap, so the rest carries over exactly.
"""

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from app.sla.calendar import ONE_DAY, SHANGHAI, WorkCalendar, day_start
from app.sla.policies import Policy, PolicyUnit

Interval = tuple[datetime, datetime]
EPOCH = datetime.min.replace(tzinfo=UTC)
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Period:
    origin: datetime  # where the clock starts running (UTC)
    receipt_date: date  # the Shanghai date of the start instant
    first_day: date  # the first day that may supply time
    due: datetime  # UTC, after any Art. 203 roll
    unrolled_due: datetime  # UTC, where the running time alone ends
    counted_days: tuple[date, ...]  # days that supplied running time, in order
    last_day: date  # the Shanghai date the period ends on
    rolled_from: date | None  # the non-workday a roll moved the end away from


def origin_of(policy: Policy, started_at: datetime) -> tuple[datetime, date, date]:
    """Return (clock start, receipt date, first counted day) for a start instant."""
    received = started_at.astimezone(SHANGHAI).date()
    if policy.unit is PolicyUnit.HOURS:
        return started_at, received, received
    first = received + ONE_DAY  # Art. 201: the receipt day itself is not counted
    return day_start(first).astimezone(UTC), received, first


def plan(
    policy: Policy,
    started_at: datetime,
    stops: Sequence[Interval],
    calendar: WorkCalendar,
) -> Period:
    """Lay out the period: due instant, counted days and any roll.

    `stops` must be sorted and disjoint.

    Raises:
        CalendarUnknown: when the period needs a year the calendar does not cover.
    """
    origin, received, first = origin_of(policy, started_at)
    due, counted = walk(policy, origin, first, stops, policy.budget, calendar)
    last_day = (due - _TICK).astimezone(SHANGHAI).date()
    unrolled, rolled_from = due, None
    if policy.roll_to_workday and not calendar.is_workday(last_day):
        rolled_from, last_day = last_day, calendar.next_working_day(last_day)
        due = day_start(last_day + ONE_DAY)
    return Period(
        origin=origin,
        receipt_date=received,
        first_day=first,
        due=due.astimezone(UTC),
        unrolled_due=unrolled.astimezone(UTC),
        counted_days=tuple(counted),
        last_day=last_day,
        rolled_from=rolled_from,
    )


def walk(
    policy: Policy,
    origin: datetime,
    first_day: date,
    stops: Sequence[Interval],
    budget: timedelta,
    calendar: WorkCalendar,
) -> tuple[datetime, list[date]]:
    """Find the instant where `budget` of running time from `origin` is used up."""
    if policy.unit is PolicyUnit.WORKING_DAYS:
        days: Iterator[date] = calendar.iter_working_days(first_day - ONE_DAY)
    else:
        days = (first_day + k * ONE_DAY for k in itertools.count())
    left = budget
    counted: list[date] = []
    for day in days:
        low, high = max(day_start(day), origin), day_start(day + ONE_DAY)
        for start, end in _subtract(low, high, stops):
            if not counted or counted[-1] != day:
                counted.append(day)
            if end - start >= left:
                return start + left, counted
            left -= end - start
    raise AssertionError("unreachable: the day sequence ends only by raising")


def measure(
    policy: Policy, a: datetime, b: datetime, calendar: WorkCalendar
) -> timedelta:
    """Return the running time in [a, b), ignoring stops."""
    if b <= a:
        return timedelta(0)
    if policy.unit is PolicyUnit.WORKING_DAYS:
        return calendar.working_time_between(a, b)
    return b - a


def consumed(
    policy: Policy,
    origin: datetime,
    stops: Sequence[Interval],
    until: datetime,
    calendar: WorkCalendar,
) -> timedelta:
    """Return the running time used between `origin` and `until`, net of stops."""
    used = measure(policy, origin, until, calendar)
    for start, end in stops:
        used -= measure(policy, max(start, origin), min(end, until), calendar)
    return used


def at_risk_from(
    policy: Policy,
    period: Period,
    calendar: WorkCalendar,
    stops: Sequence[Interval] = (),
) -> datetime:
    """Return when a running clock has only its risk window left.

    `stops` are the pauses already taken (as given to `plan`). Before
    `period.origin` the whole period is left, so the answer is EPOCH only when the
    risk window is the whole period.
    """
    risk = policy.risk_window
    if policy.unit is not PolicyUnit.WORKING_DAYS:
        # Wall-clock time left is due - max(now, origin).
        return period.due - risk if period.due - risk > period.origin else EPOCH
    target = policy.budget - risk
    if target <= timedelta(0):
        return EPOCH
    instant, _ = walk(policy, period.origin, period.first_day, stops, target, calendar)
    return instant.astimezone(UTC)


def _subtract(
    low: datetime, high: datetime, stops: Sequence[Interval]
) -> Iterator[Interval]:
    for start, end in stops:
        if end <= low:
            continue
        if start >= high:
            break
        if start > low:
            yield low, start
        low = max(low, end)
        if low >= high:
            return
    if low < high:
        yield low, high
