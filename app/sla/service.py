"""SLA clocks of complaints: recompute them from history, idempotently.

`refresh` is called by the complaints service after every filing, transition,
message and pause. It derives which clocks run from the complaint's events
(timeline.py), picks each clock's policy once, when the clock starts
(precedence.py), evaluates it against the working-day calendar with the admin's
overrides (clock.py) and stores one row per clock with its due and at-risk
instants. It is idempotent: the same history and `now` give the same rows, and a
breach or notice is recorded once however often it runs.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    func,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.orm.util import identity_key

from app.clock import utcnow
from app.complaints.models import Complaint, ComplaintEvent
from app.errors import field_error
from app.extensions import db, insert_rows, skipping_insert
from app.sla import clock, notify, precedence, sweep, timeline
from app.sla.calendar import (
    ONE_DAY,
    SHANGHAI,
    CalendarOverride,
    WorkCalendar,
    day_start,
)
from app.sla.clock import Deadline, Pause, PauseReason, SlaState
from app.sla.models import (
    CalendarOverrideDay,
    CalendarYear,
    ComplaintDeadline,
    SlaBreach,
    SlaPause,
    SlaPolicy,
    SlaPolicyChoice,
)
from app.sla.notices import NoticeKind
from app.sla.policies import Policy, PolicyTarget, PolicyUnit

D = ComplaintDeadline
_LATE = (str(SlaState.BREACHED), str(SlaState.MET_LATE))
_NOTEWORTHY = frozenset({*_LATE, str(SlaState.AT_RISK)})
# Running clocks a calendar change may move; a breach on record stays.
_RECOMPUTED = (
    str(SlaState.ON_TRACK),
    str(SlaState.AT_RISK),
    str(SlaState.CALENDAR_UNKNOWN),
)


_CALENDARS: dict[tuple[Any, ...], WorkCalendar] = {}


def load_calendar() -> WorkCalendar:
    """Return the working-day calendar with the admin's overrides and covered years.

    Built calendars are kept per process, keyed by the override and year rows
    themselves, so an admin's change in any process is seen at the next call
    while the year tables (the costly part) are built once.
    """
    o = CalendarOverrideDay
    overrides = tuple(
        db.session.execute(select(o.day, o.is_workday, o.reason).order_by(o.day))
    )
    years = tuple(
        db.session.scalars(select(CalendarYear.year).order_by(CalendarYear.year))
    )
    key = (tuple(tuple(row) for row in overrides), years)
    found = _CALENDARS.get(key)
    if found is None:
        if len(_CALENDARS) >= 8:
            _CALENDARS.clear()
        found = WorkCalendar(
            {day: CalendarOverride(workday, why) for day, workday, why in overrides},
            extra_years=years,
        )
        _CALENDARS[key] = found
    return found


def policy_rules() -> list[precedence.PolicyRule]:
    """Return the configured policies as rules for `precedence.choose`."""
    return [
        precedence.PolicyRule(
            rule_id=row.id,
            policy=policy_of_row(row),
            campaign_id=row.campaign_id,
            category=row.category,
        )
        for row in db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.id))
    ]


def policy_of_row(row: SlaPolicy) -> Policy:
    """Turn a stored policy into the pure Policy value."""
    return Policy(
        code=row.code,
        name_zh=row.name_zh,
        name_en=row.name_en,
        target=PolicyTarget(row.target),
        amount=row.amount,
        unit=PolicyUnit(row.unit),
        legal_basis=row.legal_basis,
        roll_to_workday=row.roll_to_workday,
        at_risk_percent=row.at_risk_percent,
    )


def choices_by_key(keys: Iterable[str]) -> dict[str, tuple[Policy, dict[str, Any]]]:
    """Load stored policy choices: the policy and the selection, by key."""
    stmt = select(SlaPolicyChoice).where(SlaPolicyChoice.key.in_(set(keys)))
    return {
        row.key: (Policy.from_dict(row.policy), row.selection)
        for row in db.session.scalars(stmt)
    }


def refresh(complaint_id: int, *, now: datetime) -> None:
    """Recompute one complaint's deadline rows from its events and pauses."""
    refresh_many([complaint_id], now=now)


REFRESH_BATCH = 500


Clocks = dict[int, list[tuple[str, str, str | None]]]


def refresh_many(complaint_ids: Iterable[int], *, now: datetime) -> Clocks:
    """Recompute the deadline rows of many complaints, a few statements per batch.

    Returns each complaint's clocks as (target, state, outcome).
    """
    ids = sorted(set(complaint_ids))
    calendar = load_calendar()
    clocks: Clocks = {}
    for start in range(0, len(ids), REFRESH_BATCH):
        chunk = ids[start : start + REFRESH_BATCH]
        _collect(clocks, _refresh_chunk(chunk, now, calendar))
    return clocks


def start_clocks(filed: Sequence[Any], *, now: datetime) -> Clocks:
    """Start the clocks of complaints filed in this transaction.

    `filed` holds the new complaints' attributes (id, status, received_at,
    campaign_id, labels, ...). Nothing has happened to them but the filing: no
    pauses, no clocks yet, a history of one step, so nothing is read back.
    """
    clocks: Clocks = {}
    _collect(clocks, _evaluate(list(filed), {}, None, {}, now, load_calendar()))
    return clocks


def _collect(clocks: Clocks, rows: Iterable[ComplaintDeadline]) -> None:
    for row in rows:
        clocks.setdefault(row.complaint_id, []).append(
            (row.target, row.state, row.outcome)
        )


def _refresh_chunk(
    ids: list[int], now: datetime, calendar: WorkCalendar
) -> list[ComplaintDeadline]:
    complaints = _complaints(ids)
    pauses = _grouped_pauses(ids)
    events = _grouped(
        select(ComplaintEvent)
        .where(ComplaintEvent.complaint_id.in_(ids))
        .order_by(ComplaintEvent.at, ComplaintEvent.id)
    )
    existing = _grouped(select(D).where(D.complaint_id.in_(ids)))
    return _evaluate(complaints, pauses, events, existing, now, calendar)


def _evaluate(
    complaints: list[Any],  # Complaint rows, or the values of new ones
    pauses: dict[int, list[Pause]],
    events: dict[int, list[ComplaintEvent]] | None,  # None: just filed
    existing: dict[int, list[ComplaintDeadline]],
    now: datetime,
    calendar: WorkCalendar,
) -> list[ComplaintDeadline]:
    held = [r.choice_key for rows in existing.values() for r in rows]
    choices = choices_by_key(held) if held else {}
    new_choices: dict[str, precedence.Choice] = {}
    rules: list[precedence.PolicyRule] | None = None
    unknown: set[int] = set()
    written: list[Any] = []  # ComplaintDeadline or _NewClock
    stale: list[ComplaintDeadline] = []
    evaluated: dict[tuple[Any, ...], Deadline] = {}
    chosen: dict[tuple[Any, ...], precedence.Choice] = {}
    # Complaints just filed alike (same instant, status, campaign and labels)
    # start the same clocks: the first one's rows are copied for the rest.
    alike: dict[tuple[Any, ...], list[_NewClock]] = {}
    # Rows are complete before the session may flush them (their choice is
    # stored below, after the loop).
    with db.session.no_autoflush:
        for complaint in complaints:
            like = _filing_likeness(complaint) if events is None else None
            if like in alike:
                written.extend(r.copy_for(complaint.id) for r in alike[like])
                continue
            first = len(written)
            mine = {row.target: row for row in existing.get(complaint.id, ())}
            history = _history(
                complaint, None if events is None else events.get(complaint.id, [])
            )
            for span in timeline.spans(history):
                row: Any = mine.pop(str(span.target), None)
                if row is None or row.started_at != span.started_at:
                    # The policy is fixed when the clock (re)starts; later edits
                    # to the policies do not move a running deadline.
                    rules = policy_rules() if rules is None else rules
                    labels = tuple(complaint.labels or ())
                    by = (span.target, complaint.campaign_id, labels)
                    if by not in chosen:
                        chosen[by] = precedence.choose(
                            span.target,
                            rules,
                            campaign_id=complaint.campaign_id,
                            categories=list(labels),
                        )
                    choice = chosen[by]
                    row = row or _NewClock(complaint.id, str(span.target))
                    _set_choice(row, choice)
                    if choice.key not in choices:
                        new_choices[choice.key] = choice
                        choices[choice.key] = (choice.policy, choice.to_dict())
                relevant = [
                    p
                    for p in pauses.get(complaint.id, ())
                    if p.reason in timeline.PAUSES_FOR[span.target]
                ]
                # Clocks started together under one policy share their deadline.
                key = (row.choice_key, span.started_at, span.completed_at, *relevant)
                if key not in evaluated:
                    evaluated[key] = clock.evaluate(
                        choices[row.choice_key][0],
                        span.started_at,
                        relevant,
                        span.completed_at,
                        now,
                        calendar,
                    )
                deadline = evaluated[key]
                _write(row, span, deadline, len(relevant), now)
                written.append(row)
                if deadline.unknown_year is not None:
                    unknown.add(deadline.unknown_year)
            stale.extend(mine.values())
            if like is not None:
                alike[like] = written[first:]
        _store_choices(new_choices.values())
    fresh = [row for row in written if isinstance(row, _NewClock)]
    if fresh:
        # New clocks go in with one statement (every column is set by
        # _set_choice and _write).
        insert_rows(D.__table__, [_column_values(r) for r in fresh])
    for row in stale:
        db.session.delete(row)
    db.session.flush()
    noteworthy = {row.complaint_id for row in written if row.state in _NOTEWORTHY}
    if noteworthy:
        _record(D.complaint_id.in_(sorted(noteworthy)), now)
        _settle_breaches([r for r in written if r.state == str(SlaState.MET_LATE)])
    notify.queue_calendar_alerts(unknown, now)
    return written


def _complaints(ids: list[int]) -> list[Complaint]:
    # Complaints the caller holds in the session are used as they are; loading
    # them again would decode every JSON column for nothing.
    held: dict[int, Complaint] = {}
    for i in ids:
        found = db.session.identity_map.get(identity_key(Complaint, i))
        if found is not None and not inspect(found).expired:
            held[i] = found
    missing = [i for i in ids if i not in held]
    if missing:
        stmt = select(Complaint).where(Complaint.id.in_(missing))
        held.update((c.id, c) for c in db.session.scalars(stmt))
    return [held[i] for i in ids if i in held]


def _grouped(stmt: Any) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for row in db.session.scalars(stmt):
        out.setdefault(row.complaint_id, []).append(row)
    return out


def complaints_in_state(state: str) -> Select[Any]:
    """Select the ids of complaints with at least one clock in `state`.

    Raises:
        Invalid: `state` is not an SLA state (names the field `sla_state`).
    """
    if state not in {str(s) for s in SlaState}:
        allowed = ", ".join(str(s) for s in SlaState)
        raise field_error(
            "sla_state",
            f"未知的时限状态，可选：{allowed}。",
            f"sla_state must be one of {allowed}.",
        )
    return select(D.complaint_id).where(D.state == state).distinct()


def recompute_open(
    now: datetime, *, from_day: date, until_day: date | None = None
) -> int:
    """Re-apply the calendar to running clocks it may affect; return how many.

    A clock is affected if it has not ended before `from_day` and (when given)
    started before the end of `until_day`. Unpaused clocks of one policy and one
    receipt date share their due instant, so they are updated in one statement;
    clocks with pauses are refreshed one complaint at a time. Breached clocks
    stay breached: a breach on record is history.
    """
    calendar = load_calendar()
    scope = and_(
        D.completed_at.is_(None),
        or_(D.due_at.is_(None), D.due_at > day_start(from_day)),
    )
    if until_day is not None:
        scope = and_(scope, D.started_at < day_start(until_day + ONE_DAY))
    affected = and_(scope, D.state.in_(_RECOMPUTED))
    paused = db.session.execute(
        select(D.id, D.complaint_id).where(affected, D.pause_count > 0)
    ).all()
    bulk = and_(affected, D.pause_count == 0)
    keys = db.session.scalars(select(D.choice_key).where(bulk).distinct()).all()
    count = 0
    for key, (policy, _) in choices_by_key(keys).items():
        if policy.unit is PolicyUnit.HOURS or (
            policy.unit is PolicyUnit.CALENDAR_DAYS and not policy.roll_to_workday
        ):
            continue  # these periods do not depend on the calendar
        count += _recompute_group(
            and_(bulk, D.choice_key == key), policy, now, calendar
        )
    count += len(paused)
    refresh_many((row.complaint_id for row in paused), now=now)
    # Recorded over the whole scope: some clocks have just become breached.
    _record(scope, now)
    notify.queue_calendar_alerts(sweep.unknown_years(), now)
    return count


def _recompute_group(
    where: ColumnElement[bool], policy: Policy, now: datetime, calendar: WorkCalendar
) -> int:
    first, last = db.session.execute(
        select(func.min(D.started_at), func.max(D.started_at)).where(where)
    ).one()
    if first is None:
        return 0
    count = 0
    day = first.astimezone(SHANGHAI).date()
    while day <= last.astimezone(SHANGHAI).date():
        # Any instant of the receipt date gives the same period (Art. 201).
        deadline = clock.evaluate(policy, day_start(day), [], None, now, calendar)
        values = _deadline_values(deadline, day_start(day))
        stmt = (
            update(D)
            .where(
                where,
                D.started_at >= day_start(day),
                D.started_at < day_start(day + ONE_DAY),
            )
            .values(**values, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        count += notify.rowcount(db.session.execute(stmt))
        day += ONE_DAY
    return count


def _record(where: ColumnElement[bool], now: datetime) -> None:
    late = and_(where, D.state.in_(_LATE))
    sweep.record_breaches(late, now)
    notify.queue_notices(NoticeKind.BREACH, late, now)
    notify.queue_notices(
        NoticeKind.AT_RISK, and_(where, D.state == str(SlaState.AT_RISK)), now
    )


def _settle_breaches(late_rows: list[ComplaintDeadline]) -> None:
    # A late step fixes the final lateness of the breach on record.
    for row in late_rows:
        db.session.execute(
            update(SlaBreach)
            .where(
                SlaBreach.complaint_id == row.complaint_id,
                SlaBreach.target == row.target,
            )
            .values(overdue_seconds=row.overdue_seconds, resolved_at=row.completed_at)
            .execution_options(synchronize_session=False)
        )


def _history(
    complaint: Any, events: Iterable[ComplaintEvent] | None
) -> timeline.History:
    if events is None:  # just filed: the filing is its only step
        steps: tuple[timeline.Step, ...] = (
            timeline.Step("file", complaint.status, complaint.received_at),
        )
    else:
        steps = tuple(timeline.Step(e.action, e.to_status, e.at) for e in events)
    return timeline.History(
        received_at=complaint.received_at,
        forwarded_at=complaint.forwarded_at,
        first_response_at=complaint.first_response_at,
        steps=steps,
    )


def pauses_of(complaint_id: int) -> list[Pause]:
    """Load the complaint's pause intervals (unknown reasons are ignored)."""
    return _grouped_pauses([complaint_id]).get(complaint_id, [])


def _grouped_pauses(ids: list[int]) -> dict[int, list[Pause]]:
    known = {str(r) for r in PauseReason}
    rows = db.session.scalars(
        select(SlaPause)
        .where(SlaPause.complaint_id.in_(ids))
        .order_by(SlaPause.started_at)
    )
    out: dict[int, list[Pause]] = {}
    for row in rows:
        if row.reason in known:
            out.setdefault(row.complaint_id, []).append(
                Pause(row.started_at, row.ended_at, PauseReason(row.reason))
            )
    return out


_CLOCK_SET = frozenset(c.key for c in D.__table__.columns if c.key != "id")


class _NewClock:
    """A deadline row about to be inserted: its column values, without an ORM object.

    Building ORM objects only to read their attributes back into one INSERT
    cost more than evaluating the clocks. The attributes are the values
    (`__dict__`), so a copy for another complaint is one dict copy.
    """

    def __init__(self, complaint_id: int, target: str) -> None:
        self.complaint_id = complaint_id
        self.target = target

    def copy_for(self, complaint_id: int) -> "_NewClock":
        """The same clock for another complaint."""
        other = _NewClock.__new__(_NewClock)
        other.__dict__ = {**self.__dict__, "complaint_id": complaint_id}
        return other


def _filing_likeness(complaint: Any) -> tuple[Any, ...]:
    """What the clocks of a complaint just filed (no pauses, one step) depend on."""
    return (
        complaint.status,
        complaint.received_at,
        complaint.forwarded_at,
        complaint.first_response_at,
        complaint.campaign_id,
        tuple(complaint.labels or ()),
    )


def _column_values(row: _NewClock) -> dict[str, Any]:
    values = row.__dict__
    if values.keys() != _CLOCK_SET:  # every column set, nothing else
        raise ValueError(f"clock values: {sorted(values.keys() ^ _CLOCK_SET)}")
    return values


def _set_choice(row: Any, choice: precedence.Choice) -> None:
    row.choice_key = choice.key
    row.policy_code = choice.policy.code
    row.policy_id = choice.rule_id


def _store_choices(choices: Iterable[precedence.Choice]) -> None:
    stored = [
        {
            "key": choice.key,
            "policy": choice.policy.to_dict(),
            "selection": choice.to_dict(),
            "created_at": utcnow(),
        }
        for choice in choices
    ]
    if stored:
        table = SlaPolicyChoice.__table__
        insert_rows(table, stored, skipping_insert(table, "key"))


def _write(
    row: Any,  # a ComplaintDeadline or a _NewClock
    span: timeline.Span,
    deadline: Deadline,
    pause_count: int,
    now: datetime,
) -> None:
    row.started_at = span.started_at
    row.completed_at = span.completed_at
    row.completed_by = span.completed_by
    row.outcome = str(span.outcome) if span.outcome else None
    row.pause_count = pause_count
    row.updated_at = now
    for name, value in _deadline_values(deadline, span.started_at).items():
        setattr(row, name, value)


def _deadline_values(deadline: Deadline, started_at: datetime) -> dict[str, Any]:
    running = deadline.state in (SlaState.ON_TRACK, SlaState.AT_RISK, SlaState.BREACHED)
    risk_at = deadline.at_risk_at if running else None
    return {
        "state": str(deadline.state),
        "due_at": deadline.due_at,
        # EPOCH means "at risk from the start"; the start says the same and fits
        # every database's date range.
        "at_risk_at": max(risk_at, started_at) if risk_at is not None else None,
        "remaining_seconds": _seconds(deadline.remaining),
        "days_left": deadline.days_left,
        "overdue_seconds": _seconds(deadline.overdue),
        "unknown_year": deadline.unknown_year,
    }


def _seconds(span: timedelta | None) -> int | None:
    return None if span is None else int(span.total_seconds())
