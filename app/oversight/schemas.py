"""Request and response schemas of the oversight API.

Query strings refuse unknown parameters (422), and a date range may not run
backwards or span more than three years: such a request is a mistake, and on a
million complaints an expensive one. Aggregates go out as plain JSON: instants
in Asia/Shanghai, days as ISO dates, rates as numbers.
"""

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import marshmallow as ma
from marshmallow import validate as v
from webargs.fields import DelimitedList

from app.fields import Instant, Text, to_local
from app.oversight import offenders, policy
from app.oversight.queries import DIMENSIONS, REGION_LEVELS
from app.pagination import MAX_PER_PAGE

MAX_SPAN_DAYS = 3 * 366
CATEGORY = ma.fields.String(validate=v.Length(min=1, max=64))
REGION = v.Regexp(r"^\d{6}$", error="A six-digit GB/T 2260 code.")


def plain(value: Any) -> Any:
    """Make aggregates JSON-ready: local ISO instants, ISO days, float rates."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return to_local(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


class OversightQueryArgs(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class OversightPageArgs(OversightQueryArgs):
    page = ma.fields.Integer(load_default=1, validate=v.Range(min=1, max=100_000))
    per_page = ma.fields.Integer(
        load_default=50, validate=v.Range(min=1, max=MAX_PER_PAGE)
    )


class OversightRangeArgs(OversightQueryArgs):
    date_from = ma.fields.Date()
    date_to = ma.fields.Date()

    @ma.validates_schema
    def _sane_range(self, data: dict[str, Any], **_: Any) -> None:
        low, high = data.get("date_from"), data.get("date_to")
        for name, day in (("date_from", low), ("date_to", high)):
            if day is not None and not 1990 <= day.year <= 2100:
                raise ma.ValidationError("Year must be between 1990 and 2100.", name)
        if low and high and high < low:
            raise ma.ValidationError("date_to is before date_from.", "date_to")
        if low and high and (high - low).days > MAX_SPAN_DAYS:
            raise ma.ValidationError("The range may span at most 3 years.", "date_to")


class AggregateQueryArgs(OversightRangeArgs):
    campaign_id = ma.fields.Integer(validate=v.Range(min=1))
    enterprise_id = ma.fields.Integer(validate=v.Range(min=1))
    region_code = ma.fields.String(validate=REGION)
    category = CATEGORY


class AggregateCountsArgs(AggregateQueryArgs):
    group_by = DelimitedList(
        ma.fields.String(validate=v.OneOf(list(DIMENSIONS))),
        load_default=lambda: ["category"],
        validate=v.Length(max=5),
        metadata={"description": "Comma-separated: " + ", ".join(DIMENSIONS)},
    )
    region_level = ma.fields.String(
        load_default="county", validate=v.OneOf(list(REGION_LEVELS))
    )
    limit = ma.fields.Integer(load_default=1000, validate=v.Range(min=1, max=10_000))

    @ma.validates("group_by")
    def _distinct(self, value: list[str], **_: Any) -> None:
        if len(set(value)) != len(value):
            raise ma.ValidationError("A dimension appears twice.")


class AggregateTopArgs(AggregateQueryArgs):
    limit = ma.fields.Integer(load_default=10, validate=v.Range(min=1, max=500))
    order_by = ma.fields.String(
        load_default="received",
        validate=v.OneOf(
            ["received", "valid", "replied", "completed", "fr_late", "res_late"]
        ),
    )


class AggregateSlaArgs(AggregateQueryArgs):
    group_by = DelimitedList(
        ma.fields.String(validate=v.OneOf(list(DIMENSIONS))),
        load_default=list,
        validate=v.Length(max=5),
    )
    limit = ma.fields.Integer(load_default=1000, validate=v.Range(min=1, max=10_000))


class AggregateTrendArgs(AggregateQueryArgs):
    interval = ma.fields.String(
        load_default="day", validate=v.OneOf(["day", "week", "month"])
    )


class ComplaintExportQueryArgs(AggregateQueryArgs):
    status = ma.fields.String(validate=v.Length(max=32))


class ScorecardQueryArgs(OversightQueryArgs):
    campaign_id = ma.fields.Integer(validate=v.Range(min=1))


# Violations ------------------------------------------------------------------------


class ViolationCreateSchema(ma.Schema):
    categories = ma.fields.List(
        CATEGORY, required=True, validate=v.Length(min=1, max=10)
    )
    note = Text(2000, min_len=0, allow_none=True)


class ViolationClauseSchema(ma.Schema):
    clause_number = ma.fields.Integer()
    obligation_id = ma.fields.Integer(allow_none=True)


class ViolationSchema(ma.Schema):
    id = ma.fields.Integer()
    complaint_id = ma.fields.Integer()
    enterprise_id = ma.fields.Integer()
    campaign_id = ma.fields.Integer(allow_none=True)
    pledge_id = ma.fields.Integer(allow_none=True)
    category = ma.fields.String()
    severity = ma.fields.Integer()
    conduct_date = ma.fields.Date()
    legal_basis = ma.fields.List(ma.fields.Dict())
    clauses = ma.fields.List(ma.fields.Nested(ViolationClauseSchema))
    status = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    substantiated_at = Instant()
    substantiated_by = ma.fields.Integer(allow_none=True)
    withdrawn_at = Instant(allow_none=True)
    withdrawal_reason = ma.fields.String(allow_none=True)


class ViolationPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ViolationSchema))
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer()


class ViolationQueryArgsSchema(OversightPageArgs, OversightRangeArgs):
    enterprise_id = ma.fields.Integer()
    campaign_id = ma.fields.Integer()
    complaint_id = ma.fields.Integer()
    category = CATEGORY
    status = ma.fields.String(validate=v.OneOf(["active", "withdrawn"]))


class OversightReasonSchema(ma.Schema):
    reason = Text(2000, required=True)


# Contests ----------------------------------------------------------------------------


class ContestCreateSchema(ma.Schema):
    category = ma.fields.String(required=True, validate=v.Length(min=1, max=64))
    reason = Text(2000, required=True)


class ContestRulingSchema(ma.Schema):
    category = ma.fields.String(required=True, validate=v.Length(min=1, max=64))
    upheld = ma.fields.Boolean(
        required=True,
        metadata={"description": "true: the label stands; false: it is removed"},
    )
    reason = Text(2000, required=True)


class ContestSchema(ma.Schema):
    id = ma.fields.Integer()
    complaint_id = ma.fields.Integer()
    enterprise_id = ma.fields.Integer()
    category = ma.fields.String()
    rules = ma.fields.List(ma.fields.String())
    reason = ma.fields.String()
    status = ma.fields.String()
    filed_at = Instant()
    ruled_at = Instant(allow_none=True)
    ruling_reason = ma.fields.String(allow_none=True)


class RuleAccuracyQueryArgs(OversightQueryArgs):
    category = CATEGORY


class RuleAccuracySchema(ma.Schema):
    rule = ma.fields.String()
    pack_id = ma.fields.String(allow_none=True)
    category = ma.fields.String()
    open = ma.fields.Integer()
    upheld = ma.fields.Integer()
    overturned = ma.fields.Integer()
    ruled = ma.fields.Integer()
    accuracy = ma.fields.Float(allow_none=True)


# Policy and flags --------------------------------------------------------------------


class PolicySettingsSchema(ma.Schema):
    """Settings to override; leave one out to inherit it."""

    category_threshold = ma.fields.Integer()
    category_window_days = ma.fields.Integer()
    any_threshold = ma.fields.Integer()
    any_window_days = ma.fields.Integer()
    publication_score = ma.fields.Decimal(as_string=True)
    breach_rate = ma.fields.Decimal(as_string=True)
    breach_min_complaints = ma.fields.Integer()
    breach_window_days = ma.fields.Integer()
    severity_weights = ma.fields.Dict(
        keys=ma.fields.String(validate=v.Length(min=1, max=64)),
        values=ma.fields.Decimal(as_string=True),
    )
    default_weight = ma.fields.Decimal(as_string=True)


assert set(PolicySettingsSchema().fields) == set(policy.POLICY_FIELDS)


class FlagQueryArgsSchema(OversightPageArgs):
    status = ma.fields.String(validate=v.OneOf([s.value for s in offenders.FlagStatus]))
    level = ma.fields.String(validate=v.OneOf([lv.value for lv in offenders.Level]))
    rule = ma.fields.String(validate=v.OneOf([r.value for r in offenders.Rule]))
    enterprise_id = ma.fields.Integer()
    campaign_id = ma.fields.Integer()


class FlagSchema(ma.Schema):
    id = ma.fields.Integer()
    enterprise_id = ma.fields.Integer()
    campaign_id = ma.fields.Integer(allow_none=True)
    rule = ma.fields.String()
    category = ma.fields.String(allow_none=True)
    level = ma.fields.String()
    level_zh = ma.fields.Function(lambda f: offenders.Level(f.level).zh)
    level_en = ma.fields.Function(lambda f: offenders.Level(f.level).en)
    status = ma.fields.String()
    violation_ids = ma.fields.List(ma.fields.Integer())
    complaint_ids = ma.fields.List(ma.fields.Integer())
    metrics = ma.fields.Dict()
    explanation_zh = ma.fields.String()
    explanation_en = ma.fields.String()
    raised_at = Instant()
    updated_at = Instant()
    reviewed_at = Instant(allow_none=True)
    review_reason = ma.fields.String(allow_none=True)
    supersedes_id = ma.fields.Integer(allow_none=True)


class FlagPageSchema(ma.Schema):
    as_of = Instant()
    items = ma.fields.List(ma.fields.Nested(FlagSchema))
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer()
