"""Working-day calendar: which dates are 工作日 in mainland China.

National data comes from chinesecalendar (State Council notices; 2004–2026 in
1.11.0). A make-up weekend workday (调休) is a working day; an in-lieu weekday is
not. Admin overrides win over the library, and an admin may declare a whole extra
year covered once its notice is entered. A date in a year that neither source
covers raises CalendarUnknown: we never guess Mon–Fri. Periods follow 民法典
Art. 201: counting starts on the day after the start date.
"""

import bisect
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
ONE_DAY = timedelta(days=1)

# chinesecalendar names holidays in English (its `Holiday` enum values).
HOLIDAY_NAMES_ZH: Mapping[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

LIBRARY_YEARS = range(
    min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1
)


class CalendarUnknown(LookupError):
    """No holiday data for `year`: its working days are unknown."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"the working-day calendar does not cover {year}: enter the State "
            f"Council holiday notice for {year} as overrides or upgrade chinesecalendar"
        )
        self.year = year


@dataclass(frozen=True)
class CalendarOverride:
    is_workday: bool
    reason: str


@dataclass(frozen=True)
class DayInfo:
    day: date
    is_workday: bool
    holiday_name: str | None  # English, as chinesecalendar spells it
    holiday_name_zh: str | None
    is_makeup_workday: bool  # 调休: a weekend day worked to repay a holiday
    is_in_lieu: bool  # a weekday off, repaid by a make-up workday
    override: CalendarOverride | None

    @property
    def overridden(self) -> bool:
        return self.override is not None


def day_start(d: date) -> datetime:
    """Return 00:00 Asia/Shanghai of `d` as an aware datetime."""
    return datetime.combine(d, time(), tzinfo=SHANGHAI)


class WorkCalendar:
    """Working days from chinesecalendar plus admin overrides; immutable once built."""

    def __init__(
        self,
        overrides: Mapping[date, CalendarOverride] | None = None,
        *,
        extra_years: Iterable[int] = (),
    ) -> None:
        self._overrides = dict(overrides or {})
        self._years = frozenset(LIBRARY_YEARS) | frozenset(extra_years)
        # Per year: sorted ordinals of its working days, built on first use.
        # bisect over them turns "N-th working day after" into O(log n).
        self._tables: dict[int, list[int]] = {}
        self._sets: dict[int, frozenset[int]] = {}

    @property
    def covered_years(self) -> frozenset[int]:
        return self._years

    def is_covered(self, d: date) -> bool:
        """Tell whether the calendar knows the working days of `d`'s year."""
        return d.year in self._years

    def is_workday(self, d: date) -> bool:
        """Tell whether `d` is a working day.

        Raises:
            CalendarUnknown: when `d`'s year is not covered.
        """
        self._table(d.year)
        return d.toordinal() in self._sets[d.year]

    def day_info(self, d: date) -> DayInfo:
        """Describe `d`: working or not, and which holiday or override makes it so.

        Raises:
            CalendarUnknown: when `d`'s year is not covered.
        """
        workday = self.is_workday(d)
        makeup = d in chinese_calendar.workdays
        name = chinese_calendar.workdays.get(d) or chinese_calendar.holidays.get(d)
        return DayInfo(
            day=d,
            is_workday=workday,
            holiday_name=name,
            holiday_name_zh=HOLIDAY_NAMES_ZH.get(name, name) if name else None,
            is_makeup_workday=makeup,
            is_in_lieu=d in chinese_calendar.in_lieu_days,
            override=self._overrides.get(d),
        )

    def iter_working_days(
        self, after: date, until: date | None = None
    ) -> Iterator[date]:
        """Yield the working days after `after`, up to `until` inclusive if given.

        Raises:
            CalendarUnknown: on reaching a year that is not covered.
        """
        first = after.toordinal() + 1
        last = until.toordinal() if until is not None else None
        year = date.fromordinal(first).year
        while until is None or year <= until.year:
            table = self._table(year)
            for ordinal in table[bisect.bisect_left(table, first) :]:
                if last is not None and ordinal > last:
                    return
                yield date.fromordinal(ordinal)
            year += 1

    def add_working_days(self, start: date, n: int) -> date:
        """Return the n-th working day after `start` (`start` itself never counts).

        Unlike chinese_calendar.find_workday, a non-working `start` is not rolled
        forward first, so a complaint received on a holiday gets no extra day.

        Raises:
            CalendarUnknown: when the count reaches a year that is not covered.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if n == 0:
            return start
        first = start.toordinal() + 1
        year = date.fromordinal(first).year
        while True:
            table = self._table(year)
            i = bisect.bisect_left(table, first)
            available = len(table) - i
            if n <= available:
                return date.fromordinal(table[i + n - 1])
            n -= available
            year += 1

    def next_working_day(self, d: date) -> date:
        """Return the first working day after `d`."""
        return self.add_working_days(d, 1)

    def add_calendar_days(
        self, start: date, n: int, *, roll_to_workday: bool = False
    ) -> date:
        """Return the n-th calendar day after `start`, rolled to a workday if asked.

        Rolling follows 民法典 Art. 203 (a period ending on a 法定休假日 ends on the
        next day after it); we treat every non-working day, weekends included, as
        such a rest day. Without rolling no holiday data is needed.

        Raises:
            CalendarUnknown: when rolling needs a year that is not covered.
        """
        end = start + timedelta(days=n)
        if roll_to_workday and not self.is_workday(end):
            return self.next_working_day(end)
        return end

    def working_days_between(self, a: date, b: date) -> int:
        """Count the working days d with a < d <= b (0 when b <= a)."""
        if b <= a:
            return 0
        lo, hi = a.toordinal(), b.toordinal()
        count = 0
        for year in range(date.fromordinal(lo + 1).year, b.year + 1):
            table = self._table(year)
            count += bisect.bisect_right(table, hi) - bisect.bisect_right(table, lo)
        return count

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Return the time in [a, b) that falls on working days (Shanghai dates).

        Each working day contributes its whole 24 hours; other days none.
        """
        if b <= a:
            return timedelta(0)
        first, last = a.astimezone(SHANGHAI).date(), b.astimezone(SHANGHAI).date()
        if day_start(last) == b:
            # b is 24:00 of the day before: do not ask about a day not reached,
            # which may lie in an uncovered year.
            last -= ONE_DAY
        if first == last:
            return b - a if self.is_workday(first) else timedelta(0)
        total = timedelta(0)
        if self.is_workday(first):
            total += day_start(first + ONE_DAY) - a
        if self.is_workday(last):
            total += b - day_start(last)
        # Shanghai has kept UTC+8 without DST since 1991, so whole days are 24 h.
        return total + self.working_days_between(first, last - ONE_DAY) * ONE_DAY

    def _table(self, year: int) -> list[int]:
        table = self._tables.get(year)
        if table is None:
            if year not in self._years:
                raise CalendarUnknown(year)
            table = self._build(year)
            self._tables[year] = table
            self._sets[year] = frozenset(table)
        return table

    def _build(self, year: int) -> list[int]:
        in_library = year in LIBRARY_YEARS
        result: list[int] = []
        d = date(year, 1, 1)
        while d.year == year:
            override = self._overrides.get(d)
            if override is not None:
                workday = override.is_workday
            elif in_library:
                # The library's own rule, read from its tables directly because
                # chinese_calendar.is_workday rescans its data range per call.
                workday = d in chinese_calendar.workdays or (
                    d.weekday() < 5 and d not in chinese_calendar.holidays
                )
            else:
                # An admin-declared year: Mon–Fri plus the entered overrides.
                workday = d.weekday() < 5
            if workday:
                result.append(d.toordinal())
            d += ONE_DAY
        return result
