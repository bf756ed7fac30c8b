from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from app.sla.calendar import WorkCalendar
from app.sla.receipt import DayNote, PauseNote, Receipt, in_days


def test_durations_are_shown_in_days_rounded_down_to_hundredths() -> None:
    assert in_days(timedelta(hours=36)) == Decimal("1.50")
    assert in_days(timedelta(hours=23, minutes=59)) == Decimal("0.99")
    assert in_days(timedelta(0)) == Decimal("0.00")


def test_day_note_carries_holiday_names_and_make_up_flag() -> None:
    note = DayNote.from_info(WorkCalendar().day_info(date(2021, 5, 8)))
    assert note.to_dict() == {
        "date": "2021-05-08",
        "weekday": "Sat",
        "is_workday": True,
        "name_en": "Labour Day",
        "name_zh": "劳动节",
        "is_makeup_workday": True,
        "is_in_lieu": False,
        "override_reason": None,
    }


def test_receipt_renders_utc_and_shanghai_times() -> None:
    start = datetime(2021, 4, 28, 2, tzinfo=UTC)
    pause = PauseNote(start, None, "recusal", timedelta(hours=12))
    receipt = Receipt(
        policy_code="accept",
        policy_name_zh="受理决定",
        policy_name_en="Accept decision",
        legal_basis="暂行办法 Art. 14",
        amount=1,
        unit="working_days",
        roll_to_workday=False,
        started_at=start,
        receipt_date=date(2021, 4, 28),
        counting_from=datetime(2021, 4, 28, 16, tzinfo=UTC),
        counted_days=(date(2021, 4, 29),),
        calendar_notes=(),
        pauses=(pause,),
        last_day=date(2021, 4, 29),
        rolled_from=None,
        due_at=datetime(2021, 4, 29, 16, tzinfo=UTC),
    )
    data = receipt.to_dict()
    assert data["started_at_local"] == "2021-04-28T10:00:00+08:00"
    assert data["counting_from_local"] == "2021-04-29T00:00:00+08:00"
    assert data["due_at_local"] == "2021-04-30T00:00:00+08:00"
    assert data["counted_days"] == ["2021-04-29"]
    assert data["pauses"] == [
        {
            "start": "2021-04-28T02:00:00+00:00",
            "start_local": "2021-04-28T10:00:00+08:00",
            "end": None,
            "end_local": None,
            "reason": "recusal",
            "removed_seconds": 43200,
            "removed_days": "0.50",
        }
    ]
