"""Request and response schemas of the SLA API (deadlines, policies, calendar)."""

from datetime import date
from typing import Any

import marshmallow as ma
from marshmallow import validate as v

from app.fields import Choice, Instant, Text
from app.sla.clock import SlaState
from app.sla.policies import PolicyTarget, PolicyUnit

CODE = v.Regexp(
    r"^[a-z0-9][a-z0-9_-]{1,63}$", error="Lowercase letters, digits, _ or -."
)
YEAR = v.Range(min=1990, max=2100)


class BoundedDate(ma.fields.Date):
    """A date within the years the service can reason about."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> date:
        parsed: date = super()._deserialize(value, attr, data, **kw)
        if not 1990 <= parsed.year <= 2100:
            raise ma.ValidationError("Year must be between 1990 and 2100.")
        return parsed


class RemainingTextSchema(ma.Schema):
    zh = ma.fields.String()
    en = ma.fields.String()


class PolicyCandidateSchema(ma.Schema):
    rule_id = ma.fields.Integer(allow_none=True)
    policy_code = ma.fields.String()
    level = ma.fields.String()
    campaign_id = ma.fields.Integer(allow_none=True)
    category = ma.fields.String(allow_none=True)
    amount = ma.fields.Integer()
    unit = ma.fields.String()


class PolicySelectionSchema(ma.Schema):
    level = ma.fields.String(metadata={"description": "the precedence level that won"})
    rule_id = ma.fields.Integer(allow_none=True)
    policy_code = ma.fields.String()
    precedence_zh = ma.fields.String()
    precedence_en = ma.fields.String()
    reason_zh = ma.fields.String()
    reason_en = ma.fields.String()
    considered = ma.fields.List(ma.fields.Nested(PolicyCandidateSchema))


class ReceiptPolicySchema(ma.Schema):
    code = ma.fields.String()
    name_zh = ma.fields.String()
    name_en = ma.fields.String()
    legal_basis = ma.fields.String()
    amount = ma.fields.Integer()
    unit = ma.fields.String()
    roll_to_workday = ma.fields.Boolean()


class ReceiptDayNoteSchema(ma.Schema):
    date = ma.fields.String()
    weekday = ma.fields.String()
    is_workday = ma.fields.Boolean()
    name_en = ma.fields.String(allow_none=True)
    name_zh = ma.fields.String(allow_none=True)
    is_makeup_workday = ma.fields.Boolean()
    is_in_lieu = ma.fields.Boolean()
    override_reason = ma.fields.String(allow_none=True)


class ReceiptPauseSchema(ma.Schema):
    start = ma.fields.String()
    start_local = ma.fields.String()
    end = ma.fields.String(allow_none=True)
    end_local = ma.fields.String(allow_none=True)
    reason = ma.fields.String()
    removed_seconds = ma.fields.Integer()
    removed_days = ma.fields.String()


class DeadlineReceiptSchema(ma.Schema):
    """Everything needed to check a due date by hand (UTC and Shanghai times)."""

    policy = ma.fields.Nested(ReceiptPolicySchema)
    selection = ma.fields.Nested(PolicySelectionSchema, allow_none=True)
    started_at = ma.fields.String()
    started_at_local = ma.fields.String()
    receipt_date = ma.fields.String()
    counting_from = ma.fields.String()
    counting_from_local = ma.fields.String()
    counted_days = ma.fields.List(ma.fields.String())
    counted_day_count = ma.fields.Integer()
    calendar_notes = ma.fields.List(ma.fields.Nested(ReceiptDayNoteSchema))
    pauses = ma.fields.List(ma.fields.Nested(ReceiptPauseSchema))
    last_day = ma.fields.String()
    rolled_from = ma.fields.String(allow_none=True)
    due_at = ma.fields.String()
    due_at_local = ma.fields.String()
    projected = ma.fields.Boolean(
        metadata={"description": "true while paused: due_at assumes a restart now"}
    )


class SlaBreachSchema(ma.Schema):
    due_at = Instant()
    recorded_at = Instant()
    overdue_seconds = ma.fields.Integer()
    resolved_at = Instant(allow_none=True)


class DeadlineSchema(ma.Schema):
    target = Choice(PolicyTarget)
    policy_code = ma.fields.String()
    policy_name_zh = ma.fields.String()
    policy_name_en = ma.fields.String()
    state = Choice(SlaState)
    started_at = Instant()
    due_at = Instant(allow_none=True)
    completed_at = Instant(allow_none=True)
    completed_by = ma.fields.String(allow_none=True)
    outcome = ma.fields.String(allow_none=True)
    remaining_seconds = ma.fields.Integer(allow_none=True)
    remaining_days = ma.fields.Decimal(as_string=True, allow_none=True)
    days_left = ma.fields.Integer(allow_none=True)
    remaining_text = ma.fields.Nested(RemainingTextSchema)
    overdue_seconds = ma.fields.Integer(allow_none=True)
    unknown_year = ma.fields.Integer(allow_none=True)
    selection = ma.fields.Nested(PolicySelectionSchema, allow_none=True)
    receipt = ma.fields.Nested(DeadlineReceiptSchema, allow_none=True)
    breach = ma.fields.Nested(SlaBreachSchema, allow_none=True)


class SlaPolicySchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String(required=True, validate=CODE)
    target = Choice(PolicyTarget, required=True)
    campaign_id = ma.fields.Integer(allow_none=True, load_default=None)
    category = ma.fields.String(
        allow_none=True, load_default=None, validate=v.Length(min=1, max=64)
    )
    name_zh = Text(100, required=True)
    name_en = Text(100, required=True)
    amount = ma.fields.Integer(required=True, validate=v.Range(min=1, max=10000))
    unit = Choice(PolicyUnit, required=True)
    legal_basis = Text(300, min_len=0, load_default="")
    roll_to_workday = ma.fields.Boolean(load_default=False)
    at_risk_percent = ma.fields.Integer(
        load_default=20, validate=v.Range(min=0, max=100)
    )
    created_at = Instant(dump_only=True)
    updated_at = Instant(dump_only=True)


class SlaPolicyQueryArgsSchema(ma.Schema):
    target = Choice(PolicyTarget)


class BuiltinPolicySchema(ma.Schema):
    code = ma.fields.String()
    name_zh = ma.fields.String()
    name_en = ma.fields.String()
    target = ma.fields.String()
    amount = ma.fields.Integer()
    unit = ma.fields.String()
    legal_basis = ma.fields.String()
    roll_to_workday = ma.fields.Boolean()
    at_risk_percent = ma.fields.Integer()


class SlaPolicyListSchema(ma.Schema):
    precedence_zh = ma.fields.String()
    precedence_en = ma.fields.String()
    policies = ma.fields.List(ma.fields.Nested(SlaPolicySchema))
    builtin_defaults = ma.fields.List(ma.fields.Nested(BuiltinPolicySchema))


class CalendarOverrideSchema(ma.Schema):
    date = BoundedDate(required=True)
    is_workday = ma.fields.Boolean(required=True)
    reason = Text(200, required=True)
    created_at = Instant(dump_only=True)
    recomputed_deadlines = ma.fields.Integer(dump_only=True, allow_none=True)


class CalendarOverrideQueryArgsSchema(ma.Schema):
    year = ma.fields.Integer(validate=YEAR)


class CalendarYearCreateSchema(ma.Schema):
    year = ma.fields.Integer(required=True, validate=YEAR)
    note = Text(200, required=True)


class CalendarYearSchema(ma.Schema):
    year = ma.fields.Integer()
    # The years chinesecalendar covers have no note and no creation time.
    note = ma.fields.String(allow_none=True)
    source = ma.fields.String()
    created_at = Instant(allow_none=True)
    recomputed_deadlines = ma.fields.Integer()


class CalendarDaysQueryArgsSchema(ma.Schema):
    date_from = BoundedDate(required=True)
    date_to = BoundedDate(metadata={"description": "inclusive; default date_from"})

    @ma.validates_schema
    def _span(self, data: dict[str, Any], **kw: Any) -> None:
        end = data.get("date_to") or data["date_from"]
        if not 0 <= (end - data["date_from"]).days <= 366:
            raise ma.ValidationError(
                "date_to must be from date_from to 366 days after.", "date_to"
            )


class CalendarDaySchema(ma.Schema):
    date = ma.fields.Date()
    covered = ma.fields.Boolean()
    is_workday = ma.fields.Boolean(allow_none=True)
    holiday_name = ma.fields.String(allow_none=True)
    holiday_name_zh = ma.fields.String(allow_none=True)
    is_makeup_workday = ma.fields.Boolean()
    is_in_lieu = ma.fields.Boolean()
    override_reason = ma.fields.String(allow_none=True)
    message = ma.fields.String()


class SlaFiguresQueryArgsSchema(ma.Schema):
    group_by = ma.fields.String(
        required=True, validate=v.OneOf(["enterprise", "campaign", "region"])
    )
    target = Choice(PolicyTarget, load_default=str(PolicyTarget.RESOLUTION))
    campaign_id = ma.fields.Integer()
    enterprise_id = ma.fields.Integer()
    region_code = ma.fields.String(validate=v.Regexp(r"^\d{6}$"))
    date_from = BoundedDate()
    date_to = BoundedDate()


class SlaFigureSchema(ma.Schema):
    key = ma.fields.String(allow_none=True)
    name = ma.fields.String(allow_none=True)
    clocks = ma.fields.Integer()
    on_time = ma.fields.Integer()
    late = ma.fields.Integer()
    open = ma.fields.Integer()
    on_time_rate = ma.fields.Decimal(as_string=True, allow_none=True)
    avg_handling_working_days = ma.fields.Decimal(as_string=True, allow_none=True)
    p90_handling_working_days = ma.fields.Decimal(as_string=True, allow_none=True)


class SlaFiguresSchema(ma.Schema):
    group_by = ma.fields.String()
    target = ma.fields.String()
    groups = ma.fields.List(ma.fields.Nested(SlaFigureSchema))
