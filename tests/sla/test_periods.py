from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.sla import periods
from app.sla.calendar import WorkCalendar
from app.sla.policies import Policy, PolicyTarget, PolicyUnit

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()


def sh(y: int, m: int, d: int, hh: int = 0) -> datetime:
    return datetime(y, m, d, hh, tzinfo=SH).astimezone(UTC)


def _policy(amount: int, unit: PolicyUnit, at_risk_percent: int = 20) -> Policy:
    return Policy(
        code="p",
        name_zh="测试",
        name_en="Test",
        target=PolicyTarget.RESOLUTION,
        amount=amount,
        unit=unit,
        legal_basis="none",
        at_risk_percent=at_risk_percent,
    )


WORKING = _policy(7, PolicyUnit.WORKING_DAYS)


def test_day_periods_start_at_midnight_after_receipt_and_hours_at_once() -> None:
    late_evening = sh(2021, 4, 30, 23)
    assert periods.origin_of(WORKING, late_evening) == (
        sh(2021, 5, 1),
        date(2021, 4, 30),
        date(2021, 5, 1),
    )
    hours = _policy(8, PolicyUnit.HOURS)
    assert periods.origin_of(hours, late_evening)[0] == late_evening


def test_plan_counts_seven_working_days_through_labour_day() -> None:
    period = periods.plan(WORKING, sh(2021, 4, 28, 10), (), CAL)
    assert period.due == sh(2021, 5, 12)
    assert period.last_day == date(2021, 5, 11)
    assert len(period.counted_days) == 7
    assert date(2021, 5, 8) in period.counted_days  # make-up Saturday


def test_walk_skips_stops_and_non_working_days() -> None:
    origin = sh(2021, 4, 29)
    stops = [(sh(2021, 4, 29, 12), sh(2021, 5, 6, 6))]
    due, counted = periods.walk(
        WORKING, origin, date(2021, 4, 29), stops, timedelta(hours=30), CAL
    )
    # 12 h on 04-29, then 18 h on 05-06 after the stop ends at 06:00.
    assert due == sh(2021, 5, 7)
    assert counted == [date(2021, 4, 29), date(2021, 5, 6)]


def test_consumed_subtracts_stops_from_running_time() -> None:
    stops = [(sh(2021, 4, 29, 12), sh(2021, 4, 30, 12))]
    used = periods.consumed(WORKING, sh(2021, 4, 29), stops, sh(2021, 5, 6), CAL)
    assert used == timedelta(hours=24)


def test_at_risk_begins_when_the_risk_window_is_all_that_is_left() -> None:
    period = periods.plan(WORKING, sh(2021, 4, 28, 10), (), CAL)
    # 20 % of 7 working days is 1.4 days (33.6 h) before 05-12 00:00 in working
    # time: 24 h of 05-11 and 9.6 h of 05-10.
    at_risk = periods.at_risk_from(WORKING, period, CAL)
    assert at_risk == sh(2021, 5, 10, 14) + timedelta(minutes=24)


def test_whole_period_at_risk_means_at_risk_from_the_start() -> None:
    anxious = _policy(3, PolicyUnit.CALENDAR_DAYS, at_risk_percent=100)
    period = periods.plan(anxious, sh(2021, 4, 28), (), CAL)
    assert periods.at_risk_from(anxious, period, CAL) == periods.EPOCH


def test_a_pause_taken_moves_the_at_risk_instant_by_its_running_time() -> None:
    # 20 % of 7 days: at risk once 5.6 working days are used, 05-12 14:24.
    stops = [(sh(2021, 5, 7, 12), sh(2021, 5, 8, 12))]  # one working day
    period = periods.plan(WORKING, sh(2021, 4, 30, 10), stops, CAL)
    risk_without = periods.at_risk_from(WORKING, period, CAL)
    assert risk_without == sh(2021, 5, 12, 14) + timedelta(minutes=24)
    risk_with = periods.at_risk_from(WORKING, period, CAL, stops)
    assert risk_with == sh(2021, 5, 13, 14) + timedelta(minutes=24)
