"""Read-only SLA views: a complaint's deadlines, and figures for regulators.

`complaint_deadlines` evaluates each stored clock at `now` (not as of the last
sweep) and explains it: time left in words, the receipt, the policy's precedence.
`sla_figures` groups one target's clocks by enterprise, campaign or region with
on-time rate and handling time (暂行办法 Art. 34: regular statistics; rules in
figures.py). Both see only complaints the caller may see.
"""

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select

from app.accounts.access import Actor, region_prefix
from app.clock import utcnow
from app.complaints import service as complaints
from app.complaints.models import Complaint
from app.complaints.scoping import scoped
from app.errors import field_error
from app.extensions import db
from app.pledges.models import Campaign, Enterprise, Region
from app.sla import clock, figures, notices, precedence, service, timeline
from app.sla.calendar import SHANGHAI, CalendarUnknown, WorkCalendar
from app.sla.clock import Deadline
from app.sla.models import ComplaintDeadline, SlaBreach
from app.sla.policies import Policy, PolicyTarget

D = ComplaintDeadline
_TARGET_ORDER = {str(t): i for i, t in enumerate(PolicyTarget)}
GROUPS = {
    "enterprise": Complaint.enterprise_id,
    "campaign": Complaint.campaign_id,
    "region": Complaint.region_code,
}


def complaint_deadlines(
    actor: Actor, complaint_id: int, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Show each running or finished clock of a complaint, evaluated at `now`.

    Raises:
        NotFound: the complaint does not exist or the actor may not see it.
    """
    now = now or utcnow()
    complaint = complaints.get_complaint(actor, complaint_id)
    rows = sorted(
        db.session.scalars(select(D).where(D.complaint_id == complaint.id)),
        key=lambda r: _TARGET_ORDER.get(r.target, 99),
    )
    breaches = {
        b.target: b
        for b in db.session.scalars(
            select(SlaBreach).where(SlaBreach.complaint_id == complaint.id)
        )
    }
    pauses = service.pauses_of(complaint.id)
    calendar = service.load_calendar()
    choices = service.choices_by_key(row.choice_key for row in rows)
    shown = []
    for row in rows:
        target = PolicyTarget(row.target)
        policy, selection = choices[row.choice_key]
        relevant = [p for p in pauses if p.reason in timeline.PAUSES_FOR[target]]
        deadline = clock.evaluate(
            policy, row.started_at, relevant, row.completed_at, now, calendar
        )
        breach = breaches.get(row.target)
        shown.append(_view(row, policy, selection, deadline, breach))
    return shown


def _view(
    row: ComplaintDeadline,
    policy: Policy,
    stored_selection: dict[str, Any],
    deadline: Deadline,
    breach: SlaBreach | None,
) -> dict[str, Any]:
    zh, en = notices.remaining_text(deadline, policy.unit)
    selection = precedence.explain(stored_selection)
    receipt = deadline.receipt.to_dict() if deadline.receipt else None
    if receipt is not None:
        receipt["selection"] = selection
    return {
        "target": row.target,
        "policy_code": row.policy_code,
        "policy_name_zh": policy.name_zh,
        "policy_name_en": policy.name_en,
        "state": str(deadline.state),
        "started_at": row.started_at,
        "due_at": deadline.due_at,
        "completed_at": row.completed_at,
        "completed_by": row.completed_by,
        "outcome": row.outcome,
        "remaining_seconds": _seconds(deadline.remaining),
        "remaining_days": deadline.remaining_days,
        "days_left": deadline.days_left,
        "remaining_text": {"zh": zh, "en": en},
        "overdue_seconds": _seconds(deadline.overdue),
        "unknown_year": deadline.unknown_year,
        "selection": selection,
        "receipt": receipt,
        "breach": breach,
    }


def _seconds(span: timedelta | None) -> int | None:
    return None if span is None else int(span.total_seconds())


def sla_figures(
    actor: Actor, *, group_by: str, filters: Mapping[str, Any]
) -> dict[str, Any]:
    """Compute on-time rate and handling time per group for one target.

    Raises:
        Invalid: an unknown `group_by` or `target` (the field is named).
    """
    if group_by not in GROUPS:
        raise field_error(
            "group_by",
            "分组方式须为 enterprise、campaign 或 region。",
            "group_by must be enterprise, campaign or region.",
        )
    target = filters.get("target") or str(PolicyTarget.RESOLUTION)
    if target not in {str(t) for t in PolicyTarget}:
        raise field_error("target", "未知的时限目标。", f"Unknown target {target}.")
    column = GROUPS[group_by]
    stmt = (
        select(column, D.state, D.outcome, D.started_at, D.completed_at)
        .select_from(D)
        .join(Complaint, Complaint.id == D.complaint_id)
        .where(D.target == target)
    )
    stmt = scoped(actor, _filtered(stmt, filters))
    calendar = service.load_calendar()
    measured = [
        figures.Measured(row[0], row[1], row[2], _handling(calendar, *row[2:]))
        for row in db.session.execute(stmt).all()
    ]
    summary = figures.summarise(measured)
    names = _names(group_by, [f.group for f in summary])
    return {
        "group_by": group_by,
        "target": target,
        "groups": [
            {
                "key": None if f.group is None else str(f.group),
                "name": names.get(f.group),
                "clocks": f.clocks,
                "on_time": f.on_time,
                "late": f.late,
                "open": f.open,
                "on_time_rate": f.on_time_rate,
                "avg_handling_working_days": f.avg_handling_days,
                "p90_handling_working_days": f.p90_handling_days,
            }
            for f in sorted(summary, key=lambda f: (f.group is None, str(f.group)))
        ],
    }


def _filtered(stmt: Any, filters: Mapping[str, Any]) -> Any:
    for key in ("campaign_id", "enterprise_id"):
        if filters.get(key) is not None:
            stmt = stmt.where(getattr(Complaint, key) == filters[key])
    if filters.get("region_code"):
        prefix = region_prefix(filters["region_code"])
        stmt = stmt.where(Complaint.region_code.startswith(prefix))
    if filters.get("date_from"):
        stmt = stmt.where(Complaint.received_at >= _midnight(filters["date_from"]))
    if filters.get("date_to"):
        end = _midnight(filters["date_to"]) + timedelta(days=1)
        stmt = stmt.where(Complaint.received_at < end)
    return stmt


def _handling(
    calendar: WorkCalendar,
    outcome: str | None,
    start: datetime,
    end: datetime | None,
) -> Decimal | None:
    if end is None or outcome != "done":
        return None
    try:
        span = calendar.working_time_between(start, end)
    except CalendarUnknown:
        return None  # left out rather than guessed
    return figures.in_working_days(span.total_seconds())


def _names(group_by: str, keys: list[Any]) -> dict[Any, str]:
    present = [k for k in keys if k is not None]
    if not present:
        return {}
    rows: Select[Any, Any]
    if group_by == "enterprise":
        rows = select(Enterprise.id, Enterprise.legal_name).where(
            Enterprise.id.in_(present)
        )
    elif group_by == "campaign":
        rows = select(Campaign.id, Campaign.name).where(Campaign.id.in_(present))
    else:
        rows = select(Region.code, Region.name).where(Region.code.in_(present))
    return {row[0]: row[1] for row in db.session.execute(rows).all()}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), SHANGHAI)
