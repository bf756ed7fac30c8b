from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from app.sla.calendar import CalendarOverride, CalendarUnknown, WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


def _naive_add(calendar: WorkCalendar, start: date, n: int) -> date:
    # The rule spelled out day by day, to check the bisect version against.
    day, seen = start, 0
    while seen < n:
        day += timedelta(days=1)
        seen += calendar.is_workday(day)
    return day


# regulations.md §4.1, plus a receipt on a holiday that find_workday over-counts.
@pytest.mark.parametrize(
    ("received", "n", "deadline"),
    [
        (date(2021, 4, 28), 7, date(2021, 5, 11)),
        (date(2021, 4, 30), 7, date(2021, 5, 13)),
        (date(2021, 4, 30), 10, date(2021, 5, 18)),
        (date(2021, 5, 8), 7, date(2021, 5, 18)),
        (date(2021, 4, 28), 45, date(2021, 7, 5)),
        (date(2020, 4, 3), 7, date(2020, 4, 15)),
        (date(2020, 4, 30), 7, date(2020, 5, 13)),
        (date(2020, 4, 28), 10, date(2020, 5, 14)),
        (date(2021, 5, 1), 7, date(2021, 5, 13)),
    ],
)
def test_adds_working_days_from_the_day_after_receipt(
    received: date, n: int, deadline: date
) -> None:
    assert CAL.add_working_days(received, n) == deadline


def test_receipt_on_a_holiday_gets_no_extra_day_unlike_find_workday() -> None:
    assert chinese_calendar.find_workday(7, date(2021, 5, 1)) == date(2021, 5, 14)
    assert CAL.add_working_days(date(2021, 5, 1), 7) == date(2021, 5, 13)


def test_receipt_on_a_make_up_saturday_counts_from_the_sunday_after() -> None:
    assert CAL.is_workday(date(2021, 5, 8))
    assert CAL.add_working_days(date(2021, 5, 8), 1) == date(2021, 5, 10)


def test_bisect_counting_matches_day_by_day_counting_for_every_2020_2021_date() -> None:
    for start in _days(date(2020, 1, 1), date(2021, 12, 31)):
        for n in (1, 2, 7, 10):
            assert CAL.add_working_days(start, n) == _naive_add(CAL, start, n)


def test_adding_zero_working_days_returns_the_start_and_negative_is_refused() -> None:
    assert CAL.add_working_days(date(2021, 5, 1), 0) == date(2021, 5, 1)
    with pytest.raises(ValueError, match="n must be"):
        CAL.add_working_days(date(2021, 5, 1), -1)


def test_2021_labour_day_window_is_off_and_its_make_up_weekend_days_worked() -> None:
    off = _days(date(2021, 5, 1), date(2021, 5, 5))
    assert [CAL.is_workday(d) for d in off] == [False] * 5
    assert CAL.is_workday(date(2021, 4, 25))  # Sunday, make-up
    assert CAL.is_workday(date(2021, 5, 8))  # Saturday, make-up
    assert not CAL.is_workday(date(2021, 5, 9))


def test_2020_qingming_and_labour_day_windows() -> None:
    assert not any(CAL.is_workday(d) for d in _days(date(2020, 4, 4), date(2020, 4, 6)))
    assert not any(CAL.is_workday(d) for d in _days(date(2020, 5, 1), date(2020, 5, 5)))
    assert CAL.is_workday(date(2020, 4, 26))  # Sunday, make-up
    assert CAL.is_workday(date(2020, 5, 9))  # Saturday, make-up


def test_festival_window_2021_04_28_to_05_10_has_seven_working_days() -> None:
    window = _days(date(2021, 4, 28), date(2021, 5, 10))
    worked = [d for d in window if CAL.is_workday(d)]
    assert worked == [
        date(2021, 4, 28),
        date(2021, 4, 29),
        date(2021, 4, 30),
        date(2021, 5, 6),
        date(2021, 5, 7),
        date(2021, 5, 8),
        date(2021, 5, 10),
    ]
    assert CAL.working_days_between(date(2021, 4, 27), date(2021, 5, 10)) == 7


def test_day_info_names_the_holiday_in_english_and_chinese() -> None:
    holiday = CAL.day_info(date(2021, 5, 4))
    assert (holiday.holiday_name, holiday.holiday_name_zh) == ("Labour Day", "劳动节")
    assert holiday.is_in_lieu
    assert not holiday.is_workday
    makeup = CAL.day_info(date(2021, 5, 8))
    assert makeup.is_workday
    assert makeup.is_makeup_workday
    assert makeup.holiday_name == "Labour Day"
    plain = CAL.day_info(date(2021, 5, 12))
    assert plain.holiday_name is None
    assert not plain.overridden


def test_uncovered_year_raises_calendar_unknown_naming_the_year() -> None:
    assert not CAL.is_covered(date(2027, 1, 4))
    with pytest.raises(CalendarUnknown, match="2027") as caught:
        CAL.is_workday(date(2027, 1, 4))
    assert caught.value.year == 2027
    with pytest.raises(CalendarUnknown, match="2027"):
        CAL.add_working_days(date(2026, 12, 28), 10)
    with pytest.raises(CalendarUnknown, match="2003"):
        CAL.day_info(date(2003, 12, 31))


def test_count_ending_within_the_last_covered_year_needs_no_next_year() -> None:
    assert CAL.add_working_days(date(2026, 12, 28), 2) == date(2026, 12, 30)
    end_of_2026 = datetime(2027, 1, 1, tzinfo=SH)
    assert CAL.working_time_between(datetime(2026, 12, 31, tzinfo=SH), end_of_2026)


def test_override_covered_year_is_counted_with_its_entered_holidays() -> None:
    # An admin entered a (hypothetical) 2027 New Year holiday and declared 2027 known.
    overrides = {
        date(2027, 1, 1): CalendarOverride(is_workday=False, reason="元旦"),
        date(2027, 1, 4): CalendarOverride(is_workday=False, reason="元旦调休"),
    }
    calendar = WorkCalendar(overrides, extra_years={2027})
    assert calendar.add_working_days(date(2026, 12, 28), 10) == date(2027, 1, 13)
    info = calendar.day_info(date(2027, 1, 4))
    assert info.overridden
    assert info.override == overrides[date(2027, 1, 4)]


def test_override_wins_over_the_library_for_a_local_closure() -> None:
    # A local 延迟复工 notice: the library knows only national data.
    closed = {date(2020, 2, 3): CalendarOverride(is_workday=False, reason="延迟复工")}
    calendar = WorkCalendar(closed)
    assert CAL.is_workday(date(2020, 2, 3))
    assert not calendar.is_workday(date(2020, 2, 3))
    assert calendar.add_working_days(date(2020, 2, 2), 1) == date(2020, 2, 4)


def test_overrides_alone_do_not_make_a_year_covered() -> None:
    partial = {date(2027, 1, 1): CalendarOverride(is_workday=False, reason="元旦")}
    with pytest.raises(CalendarUnknown):
        WorkCalendar(partial).is_workday(date(2027, 1, 1))


def test_calendar_days_roll_past_a_holiday_only_when_asked() -> None:
    assert CAL.add_calendar_days(date(2021, 4, 28), 7) == date(2021, 5, 5)
    rolled = CAL.add_calendar_days(date(2021, 4, 28), 7, roll_to_workday=True)
    assert rolled == date(2021, 5, 6)
    assert CAL.add_calendar_days(date(2026, 12, 28), 10) == date(2027, 1, 7)


def test_working_time_counts_only_hours_inside_working_days() -> None:
    thursday_noon = datetime(2021, 4, 29, 12, tzinfo=SH)
    tuesday_noon = datetime(2021, 5, 4, 12, tzinfo=SH)
    assert CAL.working_time_between(thursday_noon, tuesday_noon) == timedelta(hours=36)
    sunday = datetime(2021, 5, 9, 8, tzinfo=SH)
    assert CAL.working_time_between(sunday, sunday + timedelta(hours=3)) == timedelta(0)
    assert CAL.working_time_between(tuesday_noon, thursday_noon) == timedelta(0)


def test_iterates_working_days_up_to_a_bound() -> None:
    days = list(CAL.iter_working_days(date(2021, 4, 30), until=date(2021, 5, 8)))
    assert days == [date(2021, 5, 6), date(2021, 5, 7), date(2021, 5, 8)]
