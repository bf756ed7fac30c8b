"""Request and response schemas of the oversight API.

Query strings refuse unknown parameters (422), and a date range may not run
backwards or span more than three years: such a request is a mistake, and on a
million complaints an expensive one. Aggregates, scorecards, reports and the
offender policy are built by hand and go out through `plain`: instants in
Asia/Shanghai, days as ISO dates, rates as numbers. Their schemas here only
document that JSON, key for key (app.openapi.json_schema); nothing is dumped
through them.
"""

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import marshmallow as ma
from marshmallow import validate as v
from webargs.fields import DelimitedList

from app.fields import Choice, Instant, Text, to_local
from app.openapi import DECIMAL
from app.oversight import offenders, policy, reports
from app.oversight.queries import DIMENSIONS, REGION_LEVELS, SLA_TARGETS
from app.oversight.rollups import ENTERPRISE_TARGETS
from app.pagination import MAX_PER_PAGE

MAX_SPAN_DAYS = 3 * 366
CATEGORY = ma.fields.String(validate=v.Length(min=1, max=64))
REGION = v.Regexp(r"^\d{6}$", error="A six-digit GB/T 2260 code.")
TOP_ORDER = ("received", "valid", "replied", "completed", "fr_late", "res_late")
INTERVALS = ("day", "week", "month")


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
        validate=v.OneOf(TOP_ORDER),
    )


class AggregateSlaArgs(AggregateQueryArgs):
    group_by = DelimitedList(
        ma.fields.String(validate=v.OneOf(list(DIMENSIONS))),
        load_default=list,
        validate=v.Length(max=5),
    )
    limit = ma.fields.Integer(load_default=1000, validate=v.Range(min=1, max=10_000))


class AggregateTrendArgs(AggregateQueryArgs):
    interval = ma.fields.String(load_default="day", validate=v.OneOf(INTERVALS))


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


def DecimalText(**kw: Any) -> ma.fields.String:  # noqa: N802
    """A decimal as stored and shown in policy settings: str() of the Decimal."""
    return ma.fields.String(metadata={"format": "decimal", "pattern": DECIMAL}, **kw)


class PolicyValuesSchema(ma.Schema):
    """Every setting of a policy (the coded defaults, or those in force)."""

    category_threshold = ma.fields.Integer(required=True)
    category_window_days = ma.fields.Integer(required=True)
    any_threshold = ma.fields.Integer(required=True)
    any_window_days = ma.fields.Integer(required=True)
    publication_score = DecimalText(required=True)
    breach_rate = DecimalText(required=True)
    breach_min_complaints = ma.fields.Integer(required=True)
    breach_window_days = ma.fields.Integer(required=True)
    severity_weights = ma.fields.Dict(
        keys=ma.fields.String(), values=DecimalText(), required=True
    )
    default_weight = DecimalText(required=True)


class PolicyOverridesSchema(ma.Schema):
    """The settings a scope overrides, as they were set."""

    category_threshold = ma.fields.Integer()
    category_window_days = ma.fields.Integer()
    any_threshold = ma.fields.Integer()
    any_window_days = ma.fields.Integer()
    publication_score = DecimalText()
    breach_rate = DecimalText()
    breach_min_complaints = ma.fields.Integer()
    breach_window_days = ma.fields.Integer()
    severity_weights = ma.fields.Dict(keys=ma.fields.String(), values=DecimalText())
    default_weight = DecimalText()


for _schema in (PolicyValuesSchema, PolicyOverridesSchema):
    assert set(_schema().fields) == set(policy.POLICY_FIELDS)


class OffenderPolicySchema(ma.Schema):
    scope = ma.fields.String(
        required=True, metadata={"description": "global, or campaign:<id>"}
    )
    campaign_id = ma.fields.Integer(required=True, allow_none=True)
    effective = ma.fields.Nested(PolicyValuesSchema, required=True)
    overrides = ma.fields.Nested(PolicyOverridesSchema, required=True)
    defaults = ma.fields.Nested(PolicyValuesSchema, required=True)
    updated_at = Instant(required=True, allow_none=True)


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


# Scorecards and aggregates (documented, not dumped) ---------------------------------


def _count() -> ma.fields.Integer:
    return ma.fields.Integer(required=True)


def _figure() -> ma.fields.Float:
    """A rate, mean or ratio: null when there is nothing to divide by."""
    return ma.fields.Float(required=True, allow_none=True)


class TargetFiguresSchema(ma.Schema):
    on_time = _count()
    late = _count()
    on_time_rate = _figure()


class AggregateTargetsSchema(ma.Schema):
    first_response = ma.fields.Nested(TargetFiguresSchema, required=True)
    resolution = ma.fields.Nested(TargetFiguresSchema, required=True)
    accept_decision = ma.fields.Nested(TargetFiguresSchema, required=True)
    mediation = ma.fields.Nested(TargetFiguresSchema, required=True)


class ScorecardTargetsSchema(ma.Schema):
    """The enterprise's own clocks."""

    first_response = ma.fields.Nested(TargetFiguresSchema, required=True)
    resolution = ma.fields.Nested(TargetFiguresSchema, required=True)


assert tuple(AggregateTargetsSchema().fields) == SLA_TARGETS
assert tuple(ScorecardTargetsSchema().fields) == ENTERPRISE_TARGETS


class HandlingHoursSchema(ma.Schema):
    count = _count()
    average = _figure()
    median = _figure()
    p90 = _figure()


class ScorecardSatisfactionSchema(ma.Schema):
    rated = _count()
    mean = _figure()
    attitude = _figure()
    speed = _figure()


class CategoryViolationsSchema(ma.Schema):
    category = ma.fields.String(required=True)
    name_zh = ma.fields.String(required=True, allow_none=True)
    name_en = ma.fields.String(required=True, allow_none=True)
    count = _count()


class ScorecardFiguresSchema(ma.Schema):
    """An enterprise's figures, for one campaign or (campaign_id null) overall."""

    campaign_id = ma.fields.Integer(required=True, allow_none=True)
    complaints_received = _count()
    valid = _count()
    replied = _count()
    completed = _count()
    reply_rate = _figure()
    completion_rate = _figure()
    on_time = _count()
    late = _count()
    on_time_rate = _figure()
    sla = ma.fields.Nested(ScorecardTargetsSchema, required=True)
    handling_hours = ma.fields.Nested(HandlingHoursSchema, required=True)
    satisfaction = ma.fields.Nested(ScorecardSatisfactionSchema, required=True)
    violations_by_category = ma.fields.List(
        ma.fields.Nested(CategoryViolationsSchema), required=True
    )
    violations_total = _count()
    order_volume = ma.fields.Integer(required=True, allow_none=True)
    complaints_per_10k_orders = _figure()


class CampaignScorecardSchema(ScorecardFiguresSchema):
    campaign_name = ma.fields.String(required=True, allow_none=True)


class FlagLevelSchema(ma.Schema):
    level = Choice(offenders.Level, required=True)
    zh = ma.fields.String(required=True)
    en = ma.fields.String(required=True)


class ScorecardSchema(ScorecardFiguresSchema):
    enterprise_id = ma.fields.Integer(required=True)
    enterprise_name = ma.fields.String(required=True)
    as_of = Instant(required=True)
    flag_level = ma.fields.Nested(FlagLevelSchema, required=True, allow_none=True)
    campaigns = ma.fields.List(
        ma.fields.Nested(CampaignScorecardSchema),
        metadata={"description": "Each campaign's card; only without campaign_id"},
    )


class AggregateFiguresSchema(ma.Schema):
    received = _count()
    valid = _count()
    replied = _count()
    completed = _count()
    closed = _count()
    reply_rate = _figure()
    completion_rate = _figure()
    avg_handling_hours = _figure()
    satisfaction = _figure()
    rated = _count()


class AggregateGroupSchema(ma.Schema):
    """A group's keys (those in group_by; null: none) and their display names."""

    category = ma.fields.String(allow_none=True)
    category_name_zh = ma.fields.String(allow_none=True)
    category_name_en = ma.fields.String(allow_none=True)
    campaign_id = ma.fields.Integer(allow_none=True)
    campaign_name = ma.fields.String(allow_none=True)
    region_code = ma.fields.String(allow_none=True)
    region_name = ma.fields.String(allow_none=True)
    enterprise_id = ma.fields.Integer(allow_none=True)
    enterprise_name = ma.fields.String(allow_none=True)
    day = ma.fields.Date()


class AggregateRowSchema(AggregateGroupSchema, AggregateFiguresSchema):
    pass


class AggregateCountsSchema(ma.Schema):
    as_of = Instant(required=True)
    group_by = ma.fields.List(
        ma.fields.String(validate=v.OneOf(list(DIMENSIONS))), required=True
    )
    rows = ma.fields.List(ma.fields.Nested(AggregateRowSchema), required=True)


class TopEnterpriseSchema(AggregateFiguresSchema):
    enterprise_id = ma.fields.Integer(required=True)
    enterprise_name = ma.fields.String(required=True, allow_none=True)
    sla = ma.fields.Nested(AggregateTargetsSchema, required=True)


class AggregateTopSchema(ma.Schema):
    as_of = Instant(required=True)
    order_by = ma.fields.String(required=True, validate=v.OneOf(TOP_ORDER))
    rows = ma.fields.List(ma.fields.Nested(TopEnterpriseSchema), required=True)


class AggregateSlaRowSchema(AggregateGroupSchema):
    received = _count()
    targets = ma.fields.Nested(AggregateTargetsSchema, required=True)


class AggregateSlaSchema(ma.Schema):
    as_of = Instant(required=True)
    sla_synced_at = Instant(
        required=True,
        allow_none=True,
        metadata={"description": "When clocks late by time alone were last counted"},
    )
    group_by = ma.fields.List(
        ma.fields.String(validate=v.OneOf(list(DIMENSIONS))), required=True
    )
    rows = ma.fields.List(ma.fields.Nested(AggregateSlaRowSchema), required=True)


class TrendPointSchema(AggregateFiguresSchema):
    period = ma.fields.Date(
        required=True, metadata={"description": "The day, week's Monday or month's 1st"}
    )


class AggregateTrendSchema(ma.Schema):
    as_of = Instant(required=True)
    interval = ma.fields.String(required=True, validate=v.OneOf(INTERVALS))
    series = ma.fields.List(ma.fields.Nested(TrendPointSchema), required=True)


# Campaign reports (documented, not dumped) ------------------------------------------


class ReportCampaignSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class ReportWindowSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=v.OneOf(reports.CODES))
    name = ma.fields.String(required=True)
    name_en = ma.fields.String(required=True)
    due_date = ma.fields.Date(required=True)
    milestone_defined = ma.fields.Boolean(required=True)
    date_from = ma.fields.Date(required=True)
    date_to = ma.fields.Date(required=True)


class AggregateTotalsSchema(AggregateFiguresSchema):
    sla = ma.fields.Nested(AggregateTargetsSchema, required=True)


class ReportViolationsSchema(ma.Schema):
    category = ma.fields.String(required=True)
    violations = _count()


class ReportFlagSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    enterprise_id = ma.fields.Integer(required=True)
    campaign_id = ma.fields.Integer(required=True, allow_none=True)
    rule = Choice(offenders.Rule, required=True)
    category = ma.fields.String(required=True, allow_none=True)
    level = Choice(offenders.Level, required=True)
    status = ma.fields.String(required=True, validate=v.OneOf(sorted(offenders.ACTIVE)))
    violation_ids = ma.fields.List(ma.fields.Integer(), required=True)
    explanation_zh = ma.fields.String(required=True)
    explanation_en = ma.fields.String(required=True)


class CampaignReportSchema(ma.Schema):
    campaign = ma.fields.Nested(ReportCampaignSchema, required=True)
    report = ma.fields.Nested(ReportWindowSchema, required=True)
    as_of = Instant(required=True)
    totals = ma.fields.Nested(AggregateTotalsSchema, required=True)
    by_category = ma.fields.List(ma.fields.Nested(AggregateRowSchema), required=True)
    by_campaign = ma.fields.List(ma.fields.Nested(AggregateRowSchema), required=True)
    by_region = ma.fields.List(ma.fields.Nested(AggregateRowSchema), required=True)
    by_day = ma.fields.List(ma.fields.Nested(TrendPointSchema), required=True)
    top_enterprises = ma.fields.List(
        ma.fields.Nested(TopEnterpriseSchema), required=True
    )
    violations = ma.fields.List(ma.fields.Nested(ReportViolationsSchema), required=True)
    flags = ma.fields.List(ma.fields.Nested(ReportFlagSchema), required=True)
