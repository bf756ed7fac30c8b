"""Deadline receipt: everything a person needs to check a due date by hand.

It names the policy and its legal basis, the receipt instant and the day counting
starts (民法典 Art. 201: the day after receipt), each day whose time was counted,
the holidays, make-up workdays (调休) and admin overrides crossed on the way, each
pause with the working time it removed, any Art. 203 roll, and the due instant.
Times are aware UTC; `to_dict` adds Asia/Shanghai renderings for readers.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from app.sla.calendar import ONE_DAY, SHANGHAI, DayInfo

_MICROS_PER_DAY = Decimal(ONE_DAY // timedelta(microseconds=1))


def in_days(span: timedelta) -> Decimal:
    """Express a duration in days of 24 h, to two places, rounded down."""
    micros = Decimal(span // timedelta(microseconds=1))
    return (micros / _MICROS_PER_DAY).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)


def _local(moment: datetime | None) -> str | None:
    return moment.astimezone(SHANGHAI).isoformat() if moment is not None else None


def _utc(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass(frozen=True)
class DayNote:
    """A holiday, make-up workday or override met between counting start and end."""

    day: date
    is_workday: bool
    name_en: str | None
    name_zh: str | None
    is_makeup_workday: bool
    is_in_lieu: bool
    override_reason: str | None

    @classmethod
    def from_info(cls, info: DayInfo) -> "DayNote":
        return cls(
            day=info.day,
            is_workday=info.is_workday,
            name_en=info.holiday_name,
            name_zh=info.holiday_name_zh,
            is_makeup_workday=info.is_makeup_workday,
            is_in_lieu=info.is_in_lieu,
            override_reason=info.override.reason if info.override else None,
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "date": self.day.isoformat(),
            "weekday": self.day.strftime("%a"),
            "is_workday": self.is_workday,
            "name_en": self.name_en,
            "name_zh": self.name_zh,
            "is_makeup_workday": self.is_makeup_workday,
            "is_in_lieu": self.is_in_lieu,
            "override_reason": self.override_reason,
        }


@dataclass(frozen=True)
class PauseNote:
    """A pause as counted: `removed` is the clock time it took out of the period."""

    start: datetime
    end: datetime | None
    reason: str
    removed: timedelta

    def to_dict(self) -> dict[str, object]:
        return {
            "start": _utc(self.start),
            "start_local": _local(self.start),
            "end": _utc(self.end),
            "end_local": _local(self.end),
            "reason": self.reason,
            "removed_seconds": int(self.removed.total_seconds()),
            "removed_days": str(in_days(self.removed)),
        }


@dataclass(frozen=True)
class Receipt:
    policy_code: str
    policy_name_zh: str
    policy_name_en: str
    legal_basis: str
    amount: int
    unit: str
    roll_to_workday: bool
    started_at: datetime
    receipt_date: date  # the Shanghai date of `started_at`
    counting_from: datetime  # where the clock starts running
    counted_days: tuple[date, ...]  # days that supplied counted time, in order
    calendar_notes: tuple[DayNote, ...]
    pauses: tuple[PauseNote, ...]
    last_day: date  # the Shanghai date the period ends on
    rolled_from: date | None  # the non-workday an Art. 203 roll moved away from
    due_at: datetime
    # True while paused: `due_at` assumes the clock restarts at the evaluation time.
    projected: bool = False

    def to_dict(self) -> dict[str, object]:
        """Render the receipt as JSON-ready plain data."""
        return {
            "policy": {
                "code": self.policy_code,
                "name_zh": self.policy_name_zh,
                "name_en": self.policy_name_en,
                "legal_basis": self.legal_basis,
                "amount": self.amount,
                "unit": self.unit,
                "roll_to_workday": self.roll_to_workday,
            },
            "started_at": _utc(self.started_at),
            "started_at_local": _local(self.started_at),
            "receipt_date": self.receipt_date.isoformat(),
            "counting_from": _utc(self.counting_from),
            "counting_from_local": _local(self.counting_from),
            "counted_days": [d.isoformat() for d in self.counted_days],
            "counted_day_count": len(self.counted_days),
            "calendar_notes": [note.to_dict() for note in self.calendar_notes],
            "pauses": [pause.to_dict() for pause in self.pauses],
            "last_day": self.last_day.isoformat(),
            "rolled_from": self.rolled_from.isoformat() if self.rolled_from else None,
            "due_at": _utc(self.due_at),
            "due_at_local": _local(self.due_at),
            "projected": self.projected,
        }
