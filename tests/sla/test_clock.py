import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from app.sla.calendar import CalendarOverride, WorkCalendar
from app.sla.clock import (
    Pause,
    PauseReason,
    SlaState,
    due_dates_for,
    evaluate,
    states_for,
)
from app.sla.policies import Policy, PolicyTarget, PolicyUnit

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()
WAIT = PauseReason.AWAITING_COMPLAINANT


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """Return a Shanghai wall-clock time as the aware UTC instant the clock takes."""
    return datetime(y, m, d, hh, mm, tzinfo=SH).astimezone(UTC)


def policy(
    amount: int = 7,
    unit: PolicyUnit = PolicyUnit.WORKING_DAYS,
    *,
    roll: bool = False,
    at_risk_percent: int = 30,
) -> Policy:
    return Policy(
        code="accept",
        name_zh="受理决定",
        name_en="Accept decision",
        target=PolicyTarget.ACCEPT_DECISION,
        amount=amount,
        unit=unit,
        legal_basis="暂行办法 Art. 14",
        roll_to_workday=roll,
        at_risk_percent=at_risk_percent,
    )


SEVEN = policy(7)


@pytest.mark.parametrize(
    ("received", "n", "last_day"),
    [
        (sh(2021, 4, 28, 10), 7, date(2021, 5, 11)),
        (sh(2021, 4, 30, 23, 59), 10, date(2021, 5, 18)),
        (sh(2021, 5, 1, 9), 7, date(2021, 5, 13)),  # received on a holiday
        (sh(2021, 5, 8, 15), 7, date(2021, 5, 18)),  # received on a make-up Saturday
        (sh(2020, 4, 3, 8), 7, date(2020, 4, 15)),
        (sh(2021, 4, 28, 0), 45, date(2021, 7, 5)),
    ],
)
def test_due_at_is_midnight_shanghai_after_the_nth_working_day(
    received: datetime, n: int, last_day: date
) -> None:
    deadline = evaluate(policy(n), received, [], None, received, CAL)
    assert deadline.due_at == sh(last_day.year, last_day.month, last_day.day + 1)
    assert deadline.receipt is not None
    assert deadline.receipt.last_day == last_day


def test_pause_across_labour_day_removes_only_working_time_inside_it() -> None:
    # Thu 04-29 12:00 → Tue 05-04 12:00: 12 h of 04-29 and all of 04-30 are
    # working time; 05-01..05-04 are holidays. 36 h come off, so the due instant
    # moves from 05-12 00:00 to 05-13 12:00.
    pause = Pause(sh(2021, 4, 29, 12), sh(2021, 5, 4, 12), WAIT)
    deadline = evaluate(SEVEN, sh(2021, 4, 28, 10), [pause], None, sh(2021, 5, 6), CAL)
    assert deadline.due_at == sh(2021, 5, 13, 12, 0)
    assert deadline.receipt is not None
    assert deadline.receipt.pauses[0].removed == timedelta(hours=36)


def test_pause_wholly_inside_a_holiday_changes_nothing() -> None:
    pause = Pause(sh(2021, 5, 1, 9), sh(2021, 5, 5, 18), WAIT)
    deadline = evaluate(SEVEN, sh(2021, 4, 28, 10), [pause], None, sh(2021, 5, 6), CAL)
    assert deadline.due_at == sh(2021, 5, 12)
    assert deadline.receipt is not None
    assert deadline.receipt.pauses[0].removed == timedelta(0)


def test_overlapping_pauses_remove_each_moment_once() -> None:
    first = Pause(sh(2021, 5, 6, 0), sh(2021, 5, 7, 0), WAIT)
    second = Pause(sh(2021, 5, 6, 12), sh(2021, 5, 7, 12), PauseReason.RECUSAL)
    deadline = evaluate(
        SEVEN, sh(2021, 4, 28), [second, first], None, sh(2021, 5, 8), CAL
    )
    assert deadline.due_at == sh(2021, 5, 13, 12)
    assert deadline.receipt is not None
    removed = [(p.reason, p.removed) for p in deadline.receipt.pauses]
    assert removed == [
        ("awaiting_complainant", timedelta(hours=24)),
        ("recusal", timedelta(hours=12)),
    ]


def test_open_pause_freezes_the_time_left_and_hides_the_due_instant() -> None:
    pause = Pause(sh(2021, 4, 29, 12), None, PauseReason.TESTING_APPRAISAL)
    at_holiday = evaluate(SEVEN, sh(2021, 4, 28), [pause], None, sh(2021, 5, 3), CAL)
    week_later = evaluate(
        SEVEN, sh(2021, 4, 28), [pause], None, sh(2021, 5, 10, 9), CAL
    )
    for deadline in (at_holiday, week_later):
        assert deadline.state is SlaState.PAUSED
        assert deadline.due_at is None
        assert deadline.remaining == timedelta(days=6, hours=12)
        assert (deadline.remaining_days, deadline.days_left) == (Decimal("6.50"), 7)
    assert week_later.receipt is not None
    assert week_later.receipt.projected
    # Resumed at 05-10 09:00: 15 h that day, then 05-11..05-14 and 05-17 (120 h),
    # and the last 21 h on 05-18.
    assert week_later.receipt.due_at == sh(2021, 5, 18, 21)


def test_pause_opened_after_the_deadline_does_not_undo_the_breach() -> None:
    pause = Pause(sh(2021, 5, 12, 9), None, WAIT)
    deadline = evaluate(SEVEN, sh(2021, 4, 28), [pause], None, sh(2021, 5, 13), CAL)
    assert deadline.state is SlaState.BREACHED
    assert deadline.overdue == timedelta(days=1)


@pytest.mark.parametrize(
    ("now", "state", "remaining_days", "days_left"),
    [
        (sh(2021, 4, 28, 18), SlaState.ON_TRACK, Decimal("7.00"), 7),  # receipt day
        (sh(2021, 5, 6, 9), SlaState.ON_TRACK, Decimal("4.62"), 5),
        (sh(2021, 5, 10, 12), SlaState.AT_RISK, Decimal("1.50"), 2),
        (sh(2021, 5, 9, 12), SlaState.AT_RISK, Decimal("2.00"), 2),  # Sunday: frozen
        (sh(2021, 5, 12, 0), SlaState.BREACHED, Decimal("0.00"), 0),
    ],
)
def test_state_and_countdown_for_an_open_complaint(
    now: datetime, state: SlaState, remaining_days: Decimal, days_left: int
) -> None:
    deadline = evaluate(SEVEN, sh(2021, 4, 28, 10), [], None, now, CAL)
    assert deadline.state is state
    assert (deadline.remaining_days, deadline.days_left) == (remaining_days, days_left)


def test_breach_reports_how_long_it_is_overdue() -> None:
    deadline = evaluate(SEVEN, sh(2021, 4, 28), [], None, sh(2021, 5, 12, 9, 30), CAL)
    assert deadline.state is SlaState.BREACHED
    assert deadline.overdue == timedelta(hours=9, minutes=30)


@pytest.mark.parametrize(
    ("completed", "state", "overdue"),
    [
        (sh(2021, 5, 11, 23, 59), SlaState.MET, None),
        (sh(2021, 5, 12, 0), SlaState.MET, None),  # 24:00 of the last day is in time
        (sh(2021, 5, 12, 10), SlaState.MET_LATE, timedelta(hours=10)),
    ],
)
def test_completed_clock_is_met_or_met_late(
    completed: datetime, state: SlaState, overdue: timedelta | None
) -> None:
    deadline = evaluate(SEVEN, sh(2021, 4, 28), [], completed, sh(2021, 6, 1), CAL)
    assert (deadline.state, deadline.overdue) == (state, overdue)


def test_pause_after_completion_is_ignored() -> None:
    pause = Pause(sh(2021, 5, 11), None, WAIT)
    done = sh(2021, 5, 10)
    deadline = evaluate(SEVEN, sh(2021, 4, 28), [pause], done, sh(2021, 5, 20), CAL)
    assert deadline.state is SlaState.MET
    assert deadline.due_at == sh(2021, 5, 12)


def test_deadline_into_an_uncovered_year_is_calendar_unknown_naming_it() -> None:
    deadline = evaluate(policy(10), sh(2026, 12, 28), [], None, sh(2026, 12, 29), CAL)
    assert deadline.state is SlaState.CALENDAR_UNKNOWN
    assert deadline.unknown_year == 2027
    assert "2027" in str(deadline.message)
    assert deadline.due_at is None


def test_paused_clock_projected_past_the_calendar_still_reports_time_left() -> None:
    pause = Pause(sh(2026, 12, 29), None, WAIT)
    deadline = evaluate(
        policy(10), sh(2026, 12, 28), [pause], None, sh(2026, 12, 30), CAL
    )
    assert deadline.state is SlaState.PAUSED
    assert deadline.remaining == timedelta(days=10)
    assert deadline.unknown_year == 2027


def test_override_covered_year_evaluates_normally() -> None:
    holiday = {date(2027, 1, 1): CalendarOverride(is_workday=False, reason="元旦")}
    calendar = WorkCalendar(holiday, extra_years={2027})
    deadline = evaluate(
        policy(10), sh(2026, 12, 28), [], None, sh(2026, 12, 29), calendar
    )
    assert deadline.state is SlaState.ON_TRACK
    assert deadline.due_at == sh(2027, 1, 13)  # 24:00 of 01-12
    assert deadline.receipt is not None
    assert [n.override_reason for n in deadline.receipt.calendar_notes] == ["元旦"]


def test_calendar_day_period_ending_on_a_holiday_rolls_only_if_the_policy_says() -> (
    None
):
    started = sh(2021, 4, 28, 10)
    plain = evaluate(
        policy(7, PolicyUnit.CALENDAR_DAYS), started, [], None, started, CAL
    )
    assert plain.due_at == sh(2021, 5, 6)  # 24:00 of 05-05, a holiday
    rolling = policy(7, PolicyUnit.CALENDAR_DAYS, roll=True)
    rolled = evaluate(rolling, started, [], None, started, CAL)
    assert rolled.due_at == sh(2021, 5, 7)  # 24:00 of 05-06
    assert rolled.receipt is not None
    assert (rolled.receipt.rolled_from, rolled.receipt.last_day) == (
        date(2021, 5, 5),
        date(2021, 5, 6),
    )


def test_calendar_day_pause_extends_by_its_wall_clock_length() -> None:
    pause = Pause(sh(2021, 5, 1, 8), sh(2021, 5, 3, 20), WAIT)
    calendar_days = policy(7, PolicyUnit.CALENDAR_DAYS)
    deadline = evaluate(
        calendar_days, sh(2021, 4, 28), [pause], None, sh(2021, 5, 4), CAL
    )
    assert deadline.due_at == sh(2021, 5, 8, 12)


def test_calendar_day_period_without_roll_needs_no_holiday_data() -> None:
    calendar_days = policy(10, PolicyUnit.CALENDAR_DAYS)
    deadline = evaluate(
        calendar_days, sh(2026, 12, 28), [], None, sh(2026, 12, 29), CAL
    )
    assert deadline.state is SlaState.ON_TRACK
    assert deadline.due_at == sh(2027, 1, 8)


def test_hour_period_runs_from_receipt_and_pauses_extend_it() -> None:
    hours = policy(48, PolicyUnit.HOURS)
    started = sh(2021, 5, 1, 9, 15)
    pauses = [
        Pause(sh(2021, 5, 2, 10), sh(2021, 5, 2, 13), WAIT),
        Pause(sh(2021, 5, 6), sh(2021, 5, 7), WAIT),  # after the due instant
    ]
    deadline = evaluate(hours, started, pauses, None, sh(2021, 5, 8), CAL)
    assert deadline.due_at == sh(2021, 5, 3, 12, 15)
    assert deadline.state is SlaState.BREACHED


def test_receipt_lists_counted_days_holidays_and_make_up_days() -> None:
    deadline = evaluate(
        policy(10), sh(2021, 4, 30, 16), [], None, sh(2021, 4, 30, 17), CAL
    )
    receipt = deadline.receipt
    assert receipt is not None
    assert receipt.counting_from == sh(2021, 5, 1)
    assert [d.isoformat() for d in receipt.counted_days] == [
        "2021-05-06", "2021-05-07", "2021-05-08", "2021-05-10", "2021-05-11",
        "2021-05-12", "2021-05-13", "2021-05-14", "2021-05-17", "2021-05-18",
    ]  # fmt: skip
    crossed = receipt.calendar_notes
    notes = [(n.day.isoformat(), n.name_zh, n.is_workday) for n in crossed]
    assert notes == [
        ("2021-05-01", "劳动节", False),
        ("2021-05-02", "劳动节", False),
        ("2021-05-03", "劳动节", False),
        ("2021-05-04", "劳动节", False),
        ("2021-05-05", "劳动节", False),
        ("2021-05-08", "劳动节", True),
    ]
    assert receipt.calendar_notes[-1].is_makeup_workday
    assert receipt.legal_basis == "暂行办法 Art. 14"


def test_deadline_renders_as_json() -> None:
    pause = Pause(sh(2021, 4, 29, 12), sh(2021, 5, 4, 12), WAIT)
    deadline = evaluate(SEVEN, sh(2021, 4, 28), [pause], None, sh(2021, 5, 6), CAL)
    data = json.loads(json.dumps(deadline.to_dict(), ensure_ascii=False))
    assert data["state"] == "on_track"
    assert data["receipt"]["due_at_local"] == "2021-05-13T12:00:00+08:00"
    assert data["receipt"]["pauses"][0]["removed_days"] == "1.50"


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2021, 4, 28, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(SEVEN, naive, [], None, sh(2021, 5, 1), CAL)
    with pytest.raises(ValueError, match="timezone-aware"):
        Pause(naive, None, WAIT)


def test_pause_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="end before"):
        Pause(sh(2021, 5, 2), sh(2021, 5, 1), WAIT)


def test_due_dates_for_many_receipts_with_unknown_years_as_none() -> None:
    received = [date(2021, 4, 30), date(2021, 5, 1), date(2021, 4, 30)]
    received.append(date(2026, 12, 28))
    assert due_dates_for(received, 7, CAL) == [
        date(2021, 5, 13),
        date(2021, 5, 13),
        date(2021, 5, 13),
        None,
    ]


@pytest.mark.parametrize(
    "bulk_policy",
    [
        SEVEN,
        policy(2, at_risk_percent=50),
        policy(10, at_risk_percent=0),
        policy(3, at_risk_percent=100),
        policy(7, PolicyUnit.CALENDAR_DAYS, roll=True),
        policy(36, PolicyUnit.HOURS, at_risk_percent=25),
    ],
)
def test_bulk_states_agree_with_evaluate(bulk_policy: Policy) -> None:
    received = [sh(2021, 4, 25, 9) + timedelta(hours=13 * k) for k in range(30)]
    received.append(sh(2026, 12, 30, 10))
    for now in (sh(2021, 4, 28, 8) + timedelta(hours=7 * k) for k in range(80)):
        one_by_one = [evaluate(bulk_policy, r, [], None, now, CAL) for r in received]
        expected = [deadline.state for deadline in one_by_one]
        assert states_for(bulk_policy, received, now, CAL) == expected


def test_a_running_clock_says_when_it_turns_at_risk_and_turns_then() -> None:
    received = sh(2021, 4, 30, 10)
    on_track = evaluate(SEVEN, received, [], None, sh(2021, 5, 6), CAL)
    # 30 % of 7 days: at risk after 4.9 working days, 05-11 21:36.
    assert on_track.at_risk_at == sh(2021, 5, 11, 21, 36)
    just_before = on_track.at_risk_at - timedelta(minutes=1)
    assert (
        evaluate(SEVEN, received, [], None, just_before, CAL).state is SlaState.ON_TRACK
    )
    at = evaluate(SEVEN, received, [], None, on_track.at_risk_at, CAL)
    assert at.state is SlaState.AT_RISK


def test_a_past_pause_delays_the_at_risk_instant() -> None:
    pause = Pause(sh(2021, 5, 7), sh(2021, 5, 8), WAIT)  # one working day
    deadline = evaluate(SEVEN, sh(2021, 4, 30, 10), [pause], None, sh(2021, 5, 10), CAL)
    assert deadline.at_risk_at == sh(2021, 5, 12, 21, 36)
    assert deadline.due_at == sh(2021, 5, 15)
