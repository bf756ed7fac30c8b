"""SLA clock: where a complaint's deadline stands at `now`.

The period comes from the policy (see periods.py): N working days end at 24:00
Asia/Shanghai of the N-th working day after receipt. A pause (awaiting the
complainant, testing/appraisal per 暂行办法 Art. 20, recusal per Art. 19) stops the
clock and removes only the running time it overlaps; while a pause is open there
is no due instant and the time left is frozen. A year missing from the calendar
yields the `calendar_unknown` state, never an exception or a guess.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from app.sla import periods
from app.sla.calendar import ONE_DAY, SHANGHAI, CalendarUnknown, WorkCalendar
from app.sla.policies import Policy, PolicyUnit
from app.sla.receipt import DayNote, PauseNote, Receipt, in_days


class PauseReason(StrEnum):
    AWAITING_COMPLAINANT = "awaiting_complainant"
    TESTING_APPRAISAL = "testing_appraisal"  # 暂行办法 Art. 20: not counted
    RECUSAL = "recusal"  # Art. 19: mediation is suspended (中止) until decided


class SlaState(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    MET_LATE = "met_late"
    PAUSED = "paused"
    CALENDAR_UNKNOWN = "calendar_unknown"


@dataclass(frozen=True)
class Pause:
    start: datetime
    end: datetime | None  # None while the pause is still open
    reason: PauseReason

    def __post_init__(self) -> None:
        _require_aware(self.start, self.end)
        if self.end is not None and self.end < self.start:
            raise ValueError("a pause cannot end before it starts")


@dataclass(frozen=True)
class Deadline:
    policy_code: str
    state: SlaState
    due_at: datetime | None = None  # None while paused or when the calendar is unknown
    remaining: timedelta | None = None  # running time left (working time, for WD)
    remaining_days: Decimal | None = None  # `remaining` in days of 24 h, e.g. 1.5
    days_left: int | None = None  # "还剩 N 个工作日": days still wholly or partly open
    overdue: timedelta | None = None  # wall-clock time past due_at
    receipt: Receipt | None = None
    unknown_year: int | None = None
    message: str | None = None
    # When a running clock enters its risk window (EPOCH: from the start); stored
    # so that a sweep can find at-risk clocks with one indexed comparison.
    at_risk_at: datetime | None = None

    def to_dict(self) -> dict[str, object]:
        """Render the deadline as JSON-ready plain data."""
        return {
            "policy_code": self.policy_code,
            "state": str(self.state),
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "remaining_seconds": _seconds(self.remaining),
            "remaining_days": _text(self.remaining_days),
            "days_left": self.days_left,
            "overdue_seconds": _seconds(self.overdue),
            "receipt": self.receipt.to_dict() if self.receipt else None,
            "unknown_year": self.unknown_year,
            "message": self.message,
            "at_risk_at": self.at_risk_at.isoformat() if self.at_risk_at else None,
        }


_Clipped = list[tuple[Pause, datetime, datetime]]


def evaluate(
    policy: Policy,
    started_at: datetime,
    pauses: Sequence[Pause],
    completed_at: datetime | None,
    now: datetime,
    calendar: WorkCalendar,
) -> Deadline:
    """Compute the due instant and the state of one clock at `now`.

    Pause time after `completed_at` (or after `now`, for an open pause) is ignored.
    """
    _require_aware(started_at, completed_at, now)
    clipped = _clip(pauses, now if completed_at is None else completed_at)
    stops = [(start, end) for _, start, end in clipped if end > start]
    open_pause = next(
        (p for p in pauses if p.start <= now and (p.end is None or p.end > now)), None
    )
    try:
        if completed_at is None and open_pause is not None:
            paused = _paused(
                policy, started_at, clipped, stops, open_pause, now, calendar
            )
            if paused is not None:
                return paused
        period = periods.plan(policy, started_at, stops, calendar)
        receipt = _receipt(policy, started_at, period, clipped, calendar)
        due = period.due
        if completed_at is not None:
            if completed_at <= due:
                return Deadline(policy.code, SlaState.MET, due, receipt=receipt)
            return Deadline(
                policy.code,
                SlaState.MET_LATE,
                due,
                overdue=completed_at - due,
                receipt=receipt,
            )
        risk_at = periods.at_risk_from(policy, period, calendar, stops)
        if now >= due:
            deadline = _with_time_left(
                policy, SlaState.BREACHED, due, timedelta(0), receipt, now - due
            )
            return replace(deadline, at_risk_at=risk_at)
        left = periods.measure(policy, max(now, period.origin), due, calendar)
        state = SlaState.AT_RISK if left <= policy.risk_window else SlaState.ON_TRACK
        deadline = _with_time_left(policy, state, due, left, receipt)
        return replace(deadline, at_risk_at=risk_at)
    except CalendarUnknown as exc:
        return Deadline(
            policy.code,
            SlaState.CALENDAR_UNKNOWN,
            unknown_year=exc.year,
            message=str(exc),
        )


def due_dates_for(
    received_dates: Sequence[date], n: int, calendar: WorkCalendar
) -> list[date | None]:
    """Return each receipt date's n-th working day after it (None: year unknown)."""
    # Receipts bunch on a few hundred dates, so solve each distinct date once.
    cache: dict[date, date | None] = {}
    for received in set(received_dates):
        try:
            cache[received] = calendar.add_working_days(received, n)
        except CalendarUnknown:
            cache[received] = None
    return [cache[received] for received in received_dates]


def states_for(
    policy: Policy,
    started_at: Sequence[datetime],
    now: datetime,
    calendar: WorkCalendar,
) -> list[SlaState]:
    """Classify open, never-paused clocks in bulk, as `evaluate` would."""
    _require_aware(now)
    if policy.unit is PolicyUnit.HOURS:
        return [_classify_hours(policy, started, now) for started in started_at]
    # A day-based period depends only on the Shanghai receipt date: cache by it.
    cache: dict[date, tuple[datetime, datetime] | None] = {}
    states: list[SlaState] = []
    for started in started_at:
        received = started.astimezone(SHANGHAI).date()
        if received not in cache:
            cache[received] = _thresholds(policy, started, calendar)
        limits = cache[received]
        states.append(
            SlaState.CALENDAR_UNKNOWN if limits is None else _classify(now, *limits)
        )
    return states


def _thresholds(
    policy: Policy, started_at: datetime, calendar: WorkCalendar
) -> tuple[datetime, datetime] | None:
    try:
        period = periods.plan(policy, started_at, (), calendar)
        return periods.at_risk_from(policy, period, calendar), period.due
    except CalendarUnknown:
        return None


def _classify_hours(policy: Policy, started: datetime, now: datetime) -> SlaState:
    due = started + policy.budget
    risk_from = due - policy.risk_window
    return _classify(now, risk_from if risk_from > started else periods.EPOCH, due)


def _classify(now: datetime, at_risk_from: datetime, due: datetime) -> SlaState:
    if now >= due:
        return SlaState.BREACHED
    return SlaState.AT_RISK if now >= at_risk_from else SlaState.ON_TRACK


def _paused(
    policy: Policy,
    started_at: datetime,
    clipped: _Clipped,
    stops: list[periods.Interval],
    open_pause: Pause,
    now: datetime,
    calendar: WorkCalendar,
) -> Deadline | None:
    # The open pause is clipped at `now`, so this projects the due instant as if
    # the clock restarted now; the receipt shows that projection.
    try:
        period = periods.plan(policy, started_at, stops, calendar)
    except CalendarUnknown as exc:
        # The projection reaches an uncovered year, yet the time left is known.
        origin = periods.origin_of(policy, started_at)[0]
        used = periods.consumed(policy, origin, stops, open_pause.start, calendar)
        deadline = _with_time_left(
            policy, SlaState.PAUSED, None, policy.budget - used, None
        )
        return replace(deadline, unknown_year=exc.year, message=str(exc))
    if period.due <= open_pause.start:
        # The period ran out before the pause began; a pause cannot undo a breach.
        return None
    left = periods.measure(policy, max(now, period.origin), period.due, calendar)
    receipt = _receipt(policy, started_at, period, clipped, calendar, projected=True)
    return _with_time_left(policy, SlaState.PAUSED, None, left, receipt)


def _with_time_left(
    policy: Policy,
    state: SlaState,
    due: datetime | None,
    left: timedelta,
    receipt: Receipt | None,
    overdue: timedelta | None = None,
) -> Deadline:
    whole_days = -(-left // ONE_DAY)  # a partly used day still counts as a day left
    return Deadline(
        policy.code, state, due, left, in_days(left), whole_days, overdue, receipt
    )


def _clip(pauses: Sequence[Pause], horizon: datetime) -> _Clipped:
    # Cut each pause at the horizon and at the end of the ones before it, so that
    # overlapping pauses remove each moment once, credited to the earliest pause.
    cursor, clipped = periods.EPOCH, []
    for pause in sorted(pauses, key=lambda p: p.start):
        start = max(pause.start, cursor)
        end = horizon if pause.end is None else min(pause.end, horizon)
        clipped.append((pause, start, max(start, end)))
        cursor = max(cursor, end)
    return clipped


def _receipt(
    policy: Policy,
    started_at: datetime,
    period: periods.Period,
    clipped: _Clipped,
    calendar: WorkCalendar,
    *,
    projected: bool = False,
) -> Receipt:
    notes: list[DayNote] = []
    day = period.first_day
    while day <= period.last_day:
        # Calendar-day and hour periods may run through uncovered years: skip those.
        if calendar.is_covered(day):
            info = calendar.day_info(day)
            if info.holiday_name is not None or info.overridden:
                notes.append(DayNote.from_info(info))
        day += ONE_DAY
    pause_notes = tuple(
        PauseNote(
            start=pause.start,
            end=pause.end,
            reason=str(pause.reason),
            removed=periods.measure(
                policy,
                max(start, period.origin),
                min(end, period.unrolled_due),
                calendar,
            ),
        )
        for pause, start, end in clipped
    )
    return Receipt(
        policy_code=policy.code,
        policy_name_zh=policy.name_zh,
        policy_name_en=policy.name_en,
        legal_basis=policy.legal_basis,
        amount=policy.amount,
        unit=str(policy.unit),
        roll_to_workday=policy.roll_to_workday,
        started_at=started_at,
        receipt_date=period.receipt_date,
        counting_from=period.origin,
        counted_days=period.counted_days,
        calendar_notes=tuple(notes),
        pauses=pause_notes,
        last_day=period.last_day,
        rolled_from=period.rolled_from,
        due_at=period.due,
        projected=projected,
    )


def _seconds(span: timedelta | None) -> int | None:
    return None if span is None else int(span.total_seconds())


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _require_aware(*moments: datetime | None) -> None:
    for moment in moments:
        if moment is not None and moment.utcoffset() is None:
            raise ValueError("datetimes must be timezone-aware (UTC)")
