"""Oversight API under /api/v1: violations, contests, flags, policy, scorecards,
aggregates, exports and campaign reports. Thin: load → service → dump.

Aggregates and exports are for regulators (a regional one sees its region's
share); associations get scorecards, not aggregates: rollups do not know who
filed what, and an association's own filings are in its complaint list.
"""

from datetime import datetime
from typing import Any

import marshmallow as ma
from flask import Response, send_file, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from app.accounts import auth
from app.accounts.access import allow
from app.accounts.roles import Role
from app.clock import utcnow
from app.fields import SHANGHAI
from app.openapi import file_response, json_schema
from app.oversight import (
    contests,
    exports,
    flags,
    queries,
    reports,
    scorecards,
    service,
)
from app.oversight import schemas as s

bp = Blueprint(
    "oversight",
    __name__,
    url_prefix="/api/v1",
    description="Violations, repeat offenders, scorecards, aggregates, reports",
)

R = Role
REGULATORS = (R.REGIONAL_REGULATOR, R.NATIONAL_REGULATOR)
POLICY_EDITORS = (R.NATIONAL_REGULATOR, R.ADMIN)
READERS = (R.ASSOCIATION, R.ENTERPRISE, *REGULATORS, R.ADMIN)
QUERY = {"location": "query", "unknown": ma.RAISE}
CSV = file_response("text/csv")
POLICY = json_schema(
    s.OffenderPolicySchema, "The policy in force, its overrides and the defaults"
)
XLSX = file_response(exports.XLSX_TYPE)


def _stamp() -> str:
    return utcnow().astimezone(SHANGHAI).strftime("%Y%m%d-%H%M")


def _csv(name: str, header: Any, rows: Any) -> Response:
    return Response(
        stream_with_context(exports.csv_stream(header, rows)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _xlsx(file: Any, name: str) -> Response:
    return send_file(
        file, mimetype=exports.XLSX_TYPE, as_attachment=True, download_name=name
    )


# Violations ---------------------------------------------------------------------------


@bp.route("/complaints/<int:complaint_id>/violations")
class ComplaintViolations(MethodView):
    @allow(*REGULATORS)
    @bp.response(200, s.ViolationSchema(many=True))
    def get(self, complaint_id: int) -> Any:
        return service.complaint_violations(auth.current_actor(), complaint_id)

    @allow(*REGULATORS)
    @bp.arguments(s.ViolationCreateSchema)
    @bp.response(201, s.ViolationSchema(many=True))
    def post(self, data: dict[str, Any], complaint_id: int) -> Any:
        return service.substantiate(auth.current_actor(), complaint_id, **data)


@bp.route("/violations")
class ViolationList(MethodView):
    @allow(*REGULATORS)
    @bp.arguments(s.ViolationQueryArgsSchema, **QUERY)
    @bp.response(200, s.ViolationPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        page, per_page = args.pop("page"), args.pop("per_page")
        return service.list_violations(
            auth.current_actor(), filters=args, page=page, per_page=per_page
        )


@bp.route("/violations/<int:violation_id>/withdrawal")
class ViolationWithdrawal(MethodView):
    @allow(*REGULATORS)
    @bp.arguments(s.OversightReasonSchema)
    @bp.response(200, s.ViolationSchema)
    def post(self, data: dict[str, Any], violation_id: int) -> Any:
        return service.withdraw_violation(
            auth.current_actor(), violation_id, reason=data["reason"]
        )


# Contests -----------------------------------------------------------------------------


@bp.route("/complaints/<int:complaint_id>/contests")
class ComplaintContests(MethodView):
    @allow(R.ENTERPRISE, *REGULATORS)
    @bp.response(200, s.ContestSchema(many=True))
    def get(self, complaint_id: int) -> Any:
        return contests.list_contests(auth.current_actor(), complaint_id)

    @allow(R.ENTERPRISE)
    @bp.arguments(s.ContestCreateSchema)
    @bp.response(201, s.ContestSchema)
    def post(self, data: dict[str, Any], complaint_id: int) -> Any:
        return contests.file_contest(auth.current_actor(), complaint_id, **data)


@bp.route("/complaints/<int:complaint_id>/contest-rulings")
class ComplaintContestRulings(MethodView):
    @allow(*REGULATORS)
    @bp.arguments(s.ContestRulingSchema)
    @bp.response(200, s.ContestSchema)
    def post(self, data: dict[str, Any], complaint_id: int) -> Any:
        return contests.rule_on_contest(auth.current_actor(), complaint_id, **data)


@bp.route("/rule-accuracy")
class RuleAccuracy(MethodView):
    @allow(*REGULATORS, R.ADMIN)
    @bp.arguments(s.RuleAccuracyQueryArgs, **QUERY)
    @bp.response(200, s.RuleAccuracySchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        return contests.rule_accuracy(category=args.get("category"))


# Policy and flags ---------------------------------------------------------------------


@bp.route("/offender-policy")
class OffenderPolicy(MethodView):
    @allow(*REGULATORS, R.ADMIN)
    @bp.response(200)
    @bp.doc(**POLICY)
    def get(self) -> Any:
        return s.plain(flags.policy_view(None))

    @allow(*POLICY_EDITORS)
    @bp.arguments(s.PolicySettingsSchema)
    @bp.response(200)
    @bp.doc(**POLICY)
    def put(self, data: dict[str, Any]) -> Any:
        return s.plain(flags.set_policy(auth.current_actor(), None, settings=data))


@bp.route("/campaigns/<int:campaign_id>/offender-policy")
class CampaignOffenderPolicy(MethodView):
    @allow(*REGULATORS, R.ADMIN)
    @bp.response(200)
    @bp.doc(**POLICY)
    def get(self, campaign_id: int) -> Any:
        return s.plain(flags.policy_view(campaign_id))

    @allow(*POLICY_EDITORS)
    @bp.arguments(s.PolicySettingsSchema)
    @bp.response(200)
    @bp.doc(**POLICY)
    def put(self, data: dict[str, Any], campaign_id: int) -> Any:
        actor = auth.current_actor()
        return s.plain(flags.set_policy(actor, campaign_id, settings=data))


@bp.route("/flags")
class FlagList(MethodView):
    @allow(*REGULATORS)
    @bp.arguments(s.FlagQueryArgsSchema, **QUERY)
    @bp.response(200, s.FlagPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        page, per_page = args.pop("page"), args.pop("per_page")
        return flags.list_flags(
            auth.current_actor(), filters=args, page=page, per_page=per_page
        )


@bp.route("/flags/<int:flag_id>/confirmation")
class FlagConfirmation(MethodView):
    @allow(*REGULATORS)
    @bp.arguments(s.OversightReasonSchema)
    @bp.response(200, s.FlagSchema)
    def post(self, data: dict[str, Any], flag_id: int) -> Any:
        actor = auth.current_actor()
        return flags.review_flag(actor, flag_id, decision="confirm", **data)


@bp.route("/flags/<int:flag_id>/clearance")
class FlagClearance(MethodView):
    @allow(*REGULATORS)
    @bp.arguments(s.OversightReasonSchema)
    @bp.response(200, s.FlagSchema)
    def post(self, data: dict[str, Any], flag_id: int) -> Any:
        actor = auth.current_actor()
        return flags.review_flag(actor, flag_id, decision="clear", **data)


# Scorecards and aggregates ------------------------------------------------------------


@bp.route("/enterprises/<int:enterprise_id>/scorecard")
class EnterpriseScorecard(MethodView):
    @allow(*READERS)
    @bp.arguments(s.ScorecardQueryArgs, **QUERY)
    @bp.response(200)
    @bp.doc(
        **json_schema(
            s.ScorecardSchema, "The enterprise's figures, overall and per campaign"
        )
    )
    def get(self, args: dict[str, Any], enterprise_id: int) -> Any:
        card = scorecards.scorecard(auth.current_actor(), enterprise_id, **args)
        return s.plain(card)


@bp.route("/aggregates/counts")
class AggregateCounts(MethodView):
    @allow(*REGULATORS)
    @bp.arguments(s.AggregateCountsArgs, **QUERY)
    @bp.response(200)
    @bp.doc(**json_schema(s.AggregateCountsSchema, "Counts and rates per group"))
    def get(self, args: dict[str, Any]) -> Any:
        group_by, limit = args.pop("group_by"), args.pop("limit")
        level = args.pop("region_level")
        return s.plain(
            queries.counts(
                auth.current_actor(),
                group_by=group_by,
                filters=args,
                limit=limit,
                region_level=level,
            )
        )


@bp.route("/aggregates/top-enterprises")
class AggregateTopEnterprises(MethodView):
    @allow(*REGULATORS)
    @bp.arguments(s.AggregateTopArgs, **QUERY)
    @bp.response(200)
    @bp.doc(**json_schema(s.AggregateTopSchema, "The enterprises ranked"))
    def get(self, args: dict[str, Any]) -> Any:
        limit, order_by = args.pop("limit"), args.pop("order_by")
        actor = auth.current_actor()
        return s.plain(
            queries.top_enterprises(actor, filters=args, limit=limit, order_by=order_by)
        )


@bp.route("/aggregates/sla")
class AggregateSla(MethodView):
    @allow(*REGULATORS)
    @bp.arguments(s.AggregateSlaArgs, **QUERY)
    @bp.response(200)
    @bp.doc(**json_schema(s.AggregateSlaSchema, "On-time and late clocks per group"))
    def get(self, args: dict[str, Any]) -> Any:
        group_by, limit = args.pop("group_by"), args.pop("limit")
        actor = auth.current_actor()
        return s.plain(queries.sla(actor, group_by=group_by, filters=args, limit=limit))


@bp.route("/aggregates/trend")
class AggregateTrend(MethodView):
    @allow(*REGULATORS)
    @bp.arguments(s.AggregateTrendArgs, **QUERY)
    @bp.response(200)
    @bp.doc(**json_schema(s.AggregateTrendSchema, "Counts and rates per period"))
    def get(self, args: dict[str, Any]) -> Any:
        interval = args.pop("interval")
        actor = auth.current_actor()
        return s.plain(queries.trend(actor, filters=args, interval=interval))


# Exports and reports ------------------------------------------------------------------


@bp.route("/exports/complaints.csv")
class ComplaintsCsv(MethodView):
    @allow(*REGULATORS)
    @bp.doc(**CSV)
    @bp.arguments(s.ComplaintExportQueryArgs, **QUERY)
    def get(self, args: dict[str, Any]) -> Any:
        rows = exports.complaint_rows(auth.current_actor(), args)
        return _csv(f"complaints-{_stamp()}.csv", exports.COMPLAINT_HEADER, rows)


@bp.route("/exports/complaints.xlsx")
class ComplaintsXlsx(MethodView):
    @allow(*REGULATORS)
    @bp.doc(**XLSX)
    @bp.arguments(s.ComplaintExportQueryArgs, **QUERY)
    def get(self, args: dict[str, Any]) -> Any:
        rows = exports.complaint_rows(auth.current_actor(), args)
        book = exports.xlsx_file([("投诉 Complaints", exports.COMPLAINT_HEADER, rows)])
        return _xlsx(book, f"complaints-{_stamp()}.xlsx")


@bp.route("/exports/open-data.csv")
class OpenDataCsv(MethodView):
    # The public data set: nothing in it identifies a person, so every role may
    # download it whole, as anyone may download the CFPB's.
    @allow(*READERS)
    @bp.doc(**CSV)
    def get(self) -> Any:
        now: datetime = utcnow()
        rows = exports.open_data_rows(now)
        return _csv(f"open-data-{_stamp()}.csv", exports.OPEN_DATA_HEADER, rows)


@bp.route("/exports/aggregates.xlsx")
class AggregatesXlsx(MethodView):
    @allow(*REGULATORS)
    @bp.doc(**XLSX)
    @bp.arguments(s.AggregateQueryArgs, **QUERY)
    def get(self, args: dict[str, Any]) -> Any:
        data = reports.overview(auth.current_actor(), args)
        return _xlsx(reports.workbook("汇总 aggregates", data), "aggregates.xlsx")


class CampaignReport(MethodView):
    @allow(*REGULATORS)
    @bp.response(200)
    @bp.doc(
        **json_schema(
            s.CampaignReportSchema,
            "Figures by day, category, region and campaign; findings and flags",
        )
    )
    def get(self, campaign_id: int, code: str) -> Any:
        actor = auth.current_actor()
        return s.plain(reports.campaign_report(actor, campaign_id, code))


class CampaignReportXlsx(MethodView):
    @allow(*REGULATORS)
    @bp.doc(**XLSX)
    def get(self, campaign_id: int, code: str) -> Any:
        data = reports.campaign_report(auth.current_actor(), campaign_id, code)
        name = f"campaign-{campaign_id}-{code}.xlsx"
        return _xlsx(reports.workbook(data["report"]["name"], data), name)


# One route per milestone code (CampaignMilestone.code): the code is part of the
# path, so an unknown code is simply not a route.
for _code in reports.CODES:
    _base = f"/campaigns/<int:campaign_id>/reports/{_code}"
    _defaults = {"code": _code}
    bp.route(_base, defaults=_defaults, endpoint=f"CampaignReport_{_code}")(
        CampaignReport
    )
    bp.route(
        _base + ".xlsx", defaults=_defaults, endpoint=f"CampaignReportXlsx_{_code}"
    )(CampaignReportXlsx)
