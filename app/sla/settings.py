"""SLA settings an admin edits: policies and the working-day calendar.

A policy may be scoped to a campaign, a category or both; one rule per target and
scope, so precedence (precedence.py) never has to break a tie it cannot explain.
Policy edits apply to clocks started afterwards. A calendar override or a newly
covered year changes working days, so the running clocks it may affect are
recomputed in the same transaction, and clocks stuck on an uncovered year get
their due dates. Every change is audited.
"""

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.accounts import audit
from app.accounts.access import Actor
from app.clock import utcnow
from app.errors import Conflict, NotFound, field_error
from app.extensions import db
from app.pledges.models import Campaign, as_dict
from app.sla import service
from app.sla.calendar import LIBRARY_YEARS, CalendarUnknown, WorkCalendar
from app.sla.models import CalendarOverrideDay, CalendarYear, SlaPolicy
from app.sla.policies import DEFAULT_POLICIES

_POLICY_FIELDS = (
    "code",
    "target",
    "campaign_id",
    "category",
    "name_zh",
    "name_en",
    "amount",
    "unit",
    "legal_basis",
    "roll_to_workday",
    "at_risk_percent",
)

_POLICY_DEFAULTS: dict[str, Any] = {
    "campaign_id": None,
    "category": None,
    "legal_basis": "",
    "roll_to_workday": False,
    "at_risk_percent": 20,
}


# Policies --------------------------------------------------------------------


def list_policies(*, target: str | None = None) -> list[SlaPolicy]:
    """List the configured policies, oldest first."""
    stmt = select(SlaPolicy).order_by(SlaPolicy.id)
    if target:
        stmt = stmt.where(SlaPolicy.target == target)
    return list(db.session.scalars(stmt))


def builtin_policies() -> list[dict[str, Any]]:
    """List the built-in defaults that apply when no configured rule does."""
    return [p.to_dict() for p in DEFAULT_POLICIES]


def get_policy(policy_id: int) -> SlaPolicy:
    """Return one configured policy.

    Raises:
        NotFound: no such policy.
    """
    row = db.session.get(SlaPolicy, policy_id)
    if row is None:
        raise NotFound(
            f"未找到时限规则（{policy_id}）。", f"SLA policy {policy_id} not found."
        )
    return row


def create_policy(
    actor: Actor, *, data: dict[str, Any], now: datetime | None = None
) -> SlaPolicy:
    """Add a policy for a target, optionally scoped to a campaign and/or category."""
    now = now or utcnow()
    row = SlaPolicy(created_at=now, updated_at=now)
    _apply_policy(row, _POLICY_DEFAULTS | data)
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor, "sla.policy.create", "sla_policy", row.id, after=as_dict(row), at=now
    )
    db.session.commit()
    return row


def update_policy(
    actor: Actor, policy_id: int, *, data: dict[str, Any], now: datetime | None = None
) -> SlaPolicy:
    """Change a policy; clocks already running keep the policy they started with."""
    now = now or utcnow()
    row = get_policy(policy_id)
    before = as_dict(row)
    _apply_policy(row, {**{f: getattr(row, f) for f in _POLICY_FIELDS}, **data})
    row.updated_at = now
    audit.record(
        actor,
        "sla.policy.update",
        "sla_policy",
        row.id,
        before=before,
        after=as_dict(row),
        at=now,
    )
    db.session.commit()
    return row


def delete_policy(actor: Actor, policy_id: int, *, now: datetime | None = None) -> None:
    """Remove a policy; running clocks keep their snapshot of it."""
    now = now or utcnow()
    row = get_policy(policy_id)
    audit.record(
        actor, "sla.policy.delete", "sla_policy", row.id, before=as_dict(row), at=now
    )
    db.session.delete(row)
    db.session.commit()


def _apply_policy(row: SlaPolicy, data: dict[str, Any]) -> None:
    campaign_id = data.get("campaign_id")
    if campaign_id is not None and db.session.get(Campaign, campaign_id) is None:
        raise field_error(
            "campaign_id", "未知的活动。", f"Unknown campaign {campaign_id}."
        )
    if data.get("roll_to_workday") and data.get("unit") != "calendar_days":
        raise field_error(
            "roll_to_workday",
            "只有自然日期限才能顺延到工作日（民法典第二百零三条）。",
            "Only calendar-day periods roll to a working day (Civil Code Art. 203).",
        )
    clash = db.session.scalar(
        select(SlaPolicy).where(
            SlaPolicy.code == data["code"], SlaPolicy.id != (row.id or 0)
        )
    )
    if clash is not None:
        raise Conflict(
            "规则代码已被使用。",
            f"Policy code {data['code']} is taken.",
            errors={"code": [f"taken by policy {clash.id}"]},
            reason="duplicate_code",
        )
    same_scope = db.session.scalar(
        select(SlaPolicy).where(
            SlaPolicy.target == data["target"],
            _is(SlaPolicy.campaign_id, campaign_id),
            _is(SlaPolicy.category, data.get("category")),
            SlaPolicy.id != (row.id or 0),
        )
    )
    if same_scope is not None:
        raise Conflict(
            "同一目标与适用范围已有规则，请修改该规则。",
            f"Policy {same_scope.id} already covers this target and scope; edit it.",
            errors={"target": [f"scope taken by policy {same_scope.id}"]},
            reason="duplicate_scope",
        )
    for name in _POLICY_FIELDS:
        setattr(row, name, data[name])
    # Let the pure Policy check the combination once more before it is stored.
    try:
        service.policy_of_row(row)
    except ValueError as err:
        raise field_error("amount", "时限规则无效。", str(err)) from err


def _is(column: Any, value: Any) -> Any:
    return column.is_(None) if value is None else column == value


# Calendar --------------------------------------------------------------------


def list_overrides(*, year: int | None = None) -> list[CalendarOverrideDay]:
    """List the admin's calendar overrides by date."""
    stmt = select(CalendarOverrideDay).order_by(CalendarOverrideDay.day)
    if year is not None:
        stmt = stmt.where(
            CalendarOverrideDay.day >= date(year, 1, 1),
            CalendarOverrideDay.day <= date(year, 12, 31),
        )
    return list(db.session.scalars(stmt))


def add_override(
    actor: Actor, *, data: dict[str, Any], now: datetime | None = None
) -> dict[str, Any]:
    """Declare one date a working day or not, and recompute the clocks it touches."""
    now = now or utcnow()
    day: date = data["date"]
    if db.session.get(CalendarOverrideDay, day) is not None:
        raise Conflict(
            "该日期已有覆盖设置，请先删除。",
            f"{day} already has an override; delete it first.",
            errors={"date": ["override exists"]},
            reason="override_exists",
        )
    row = CalendarOverrideDay(
        day=day,
        is_workday=data["is_workday"],
        reason=data["reason"],
        created_at=now,
        created_by=actor.user_id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "calendar.override.add",
        "calendar_override",
        day.isoformat(),
        after=as_dict(row),
        at=now,
    )
    count = service.recompute_open(now, from_day=day, until_day=day)
    db.session.commit()
    return _override_view(row, count)


def delete_override(actor: Actor, day: date, *, now: datetime | None = None) -> int:
    """Remove one override and recompute the clocks it touched; return how many."""
    now = now or utcnow()
    row = db.session.get(CalendarOverrideDay, day)
    if row is None:
        raise NotFound(f"{day} 没有覆盖设置。", f"No override on {day}.")
    audit.record(
        actor,
        "calendar.override.delete",
        "calendar_override",
        day.isoformat(),
        before=as_dict(row),
        at=now,
    )
    db.session.delete(row)
    db.session.flush()
    count = service.recompute_open(now, from_day=day, until_day=day)
    db.session.commit()
    return count


def list_years() -> list[dict[str, Any]]:
    """List every covered year: the library's and those an admin declared."""
    declared = {row.year: row for row in db.session.scalars(select(CalendarYear))}
    years = sorted(set(LIBRARY_YEARS) | set(declared))
    return [
        {
            "year": y,
            "source": "admin" if y in declared else "chinesecalendar",
            "note": declared[y].note if y in declared else None,
            "created_at": declared[y].created_at if y in declared else None,
        }
        for y in years
    ]


def declare_year(
    actor: Actor, *, data: dict[str, Any], now: datetime | None = None
) -> dict[str, Any]:
    """Declare a whole year entered (its overrides done); unknown clocks get dates."""
    now = now or utcnow()
    year: int = data["year"]
    if year in LIBRARY_YEARS or db.session.get(CalendarYear, year) is not None:
        raise Conflict(
            f"{year} 年已有工作日数据。",
            f"{year} is already covered.",
            errors={"year": ["already covered"]},
            reason="year_covered",
        )
    row = CalendarYear(
        year=year, note=data["note"], created_at=now, created_by=actor.user_id
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "calendar.year.declare",
        "calendar_year",
        year,
        after=as_dict(row),
        at=now,
    )
    count = service.recompute_open(now, from_day=date(year, 1, 1))
    db.session.commit()
    return {
        "year": year,
        "source": "admin",
        "note": row.note,
        "created_at": now,
        "recomputed_deadlines": count,
    }


def withdraw_year(actor: Actor, year: int, *, now: datetime | None = None) -> int:
    """Withdraw a declared year; clocks reaching into it become calendar_unknown."""
    now = now or utcnow()
    row = db.session.get(CalendarYear, year)
    if row is None:
        raise NotFound(
            f"{year} 年不是管理员声明的年份。", f"{year} was not declared by an admin."
        )
    audit.record(
        actor,
        "calendar.year.withdraw",
        "calendar_year",
        year,
        before=as_dict(row),
        at=now,
    )
    db.session.delete(row)
    db.session.flush()
    count = service.recompute_open(now, from_day=date(year, 1, 1))
    db.session.commit()
    return count


def days(first: date, last: date | None = None) -> list[dict[str, Any]]:
    """Describe each date from `first` to `last` (inclusive) as deadlines see it."""
    calendar = service.load_calendar()
    count = ((last or first) - first).days + 1
    return [_day(calendar, first + timedelta(days=i)) for i in range(count)]


def _day(calendar: WorkCalendar, day: date) -> dict[str, Any]:
    try:
        info = calendar.day_info(day)
    except CalendarUnknown as exc:
        return {"date": day, "covered": False, "is_workday": None, "message": str(exc)}
    return {
        "date": day,
        "covered": True,
        "is_workday": info.is_workday,
        "holiday_name": info.holiday_name,
        "holiday_name_zh": info.holiday_name_zh,
        "is_makeup_workday": info.is_makeup_workday,
        "is_in_lieu": info.is_in_lieu,
        "override_reason": info.override.reason if info.override else None,
    }


def _override_view(
    row: CalendarOverrideDay, count: int | None = None
) -> dict[str, Any]:
    return {
        "date": row.day,
        "is_workday": row.is_workday,
        "reason": row.reason,
        "created_at": row.created_at,
        "recomputed_deadlines": count,
    }


def override_views(*, year: int | None = None) -> list[dict[str, Any]]:
    """List overrides in their API shape."""
    return [_override_view(row) for row in list_overrides(year=year)]
