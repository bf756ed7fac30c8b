"""SLA API: complaint deadlines with receipts, policies, calendar, figures.

Thin: load → service → dump. Everyone may read deadlines (of complaints they may
see), policies and the calendar; only admins change policies and the calendar;
figures are for regulators and admins.
"""

import re
from datetime import date
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from app.accounts import auth
from app.accounts.access import ANY_ROLE, allow
from app.accounts.roles import Role
from app.errors import field_error
from app.sla import precedence, queries, settings
from app.sla import schemas as s

bp = Blueprint(
    "sla",
    __name__,
    url_prefix="/api/v1",
    description="SLA deadlines, policies, working-day calendar and figures",
)

R = Role
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _path_date(value: str) -> date:
    if _ISO_DATE.fullmatch(value):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if 1990 <= parsed.year <= 2100:
                return parsed
    raise field_error(
        "date", "日期格式应为 YYYY-MM-DD。", "date must be a real YYYY-MM-DD."
    )


@bp.route("/complaints/<int:complaint_id>/deadlines")
class ComplaintDeadlines(MethodView):
    @allow(*ANY_ROLE)
    @bp.response(200, s.DeadlineSchema(many=True))
    def get(self, complaint_id: int) -> Any:
        """Each clock of the complaint: state, due instant, time left and receipt."""
        return queries.complaint_deadlines(auth.current_actor(), complaint_id)


@bp.route("/sla/policies")
class PolicyList(MethodView):
    @allow(*ANY_ROLE)
    @bp.arguments(s.SlaPolicyQueryArgsSchema, location="query")
    @bp.response(200, s.SlaPolicyListSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Configured policies, built-in defaults and the precedence between them."""
        return {
            "precedence_zh": precedence.ORDER_ZH,
            "precedence_en": precedence.ORDER_EN,
            "policies": settings.list_policies(target=args.get("target")),
            "builtin_defaults": settings.builtin_policies(),
        }

    @allow(R.ADMIN)
    @bp.arguments(s.SlaPolicySchema)
    @bp.response(201, s.SlaPolicySchema)
    def post(self, data: dict[str, Any]) -> Any:
        return settings.create_policy(auth.current_actor(), data=data)


@bp.route("/sla/policies/<int:policy_id>")
class PolicyDetail(MethodView):
    @allow(R.ADMIN)
    @bp.arguments(s.SlaPolicySchema(partial=True))
    @bp.response(200, s.SlaPolicySchema)
    def patch(self, data: dict[str, Any], policy_id: int) -> Any:
        return settings.update_policy(auth.current_actor(), policy_id, data=data)

    @allow(R.ADMIN)
    @bp.response(204)
    def delete(self, policy_id: int) -> None:
        settings.delete_policy(auth.current_actor(), policy_id)


@bp.route("/sla/figures")
class Figures(MethodView):
    @allow(R.REGIONAL_REGULATOR, R.NATIONAL_REGULATOR, R.ADMIN)
    @bp.arguments(s.SlaFiguresQueryArgsSchema, location="query")
    @bp.response(200, s.SlaFiguresSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """On-time rate and handling time in working days per group."""
        group_by = args.pop("group_by")
        return queries.sla_figures(
            auth.current_actor(), group_by=group_by, filters=args
        )


@bp.route("/calendar/overrides")
class OverrideList(MethodView):
    @allow(*ANY_ROLE)
    @bp.arguments(s.CalendarOverrideQueryArgsSchema, location="query")
    @bp.response(200, s.CalendarOverrideSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        return settings.override_views(year=args.get("year"))

    @allow(R.ADMIN)
    @bp.arguments(s.CalendarOverrideSchema)
    @bp.response(201, s.CalendarOverrideSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Declare a date a working day or not; running clocks are recomputed."""
        return settings.add_override(auth.current_actor(), data=data)


@bp.route("/calendar/overrides/<string:day>")
class OverrideDetail(MethodView):
    @allow(R.ADMIN)
    @bp.response(204)
    @bp.alt_response(422, response="UNPROCESSABLE_ENTITY")  # not a YYYY-MM-DD date
    def delete(self, day: str) -> None:
        settings.delete_override(auth.current_actor(), _path_date(day))


@bp.route("/calendar/years")
class YearList(MethodView):
    @allow(*ANY_ROLE)
    @bp.response(200, s.CalendarYearSchema(many=True))
    def get(self) -> Any:
        """Years with working-day data: chinesecalendar's and admin-declared ones."""
        return settings.list_years()

    @allow(R.ADMIN)
    @bp.arguments(s.CalendarYearCreateSchema)
    @bp.response(201, s.CalendarYearSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Declare a year's holiday notice fully entered as overrides."""
        return settings.declare_year(auth.current_actor(), data=data)


@bp.route("/calendar/years/<int:year>")
class YearDetail(MethodView):
    @allow(R.ADMIN)
    @bp.response(204)
    def delete(self, year: int) -> None:
        settings.withdraw_year(auth.current_actor(), year)


@bp.route("/calendar/days")
class DayList(MethodView):
    @allow(*ANY_ROLE)
    @bp.arguments(s.CalendarDaysQueryArgsSchema, location="query")
    @bp.response(200, s.CalendarDaySchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """Whether each date is a working day, and which holiday or override says so."""
        return settings.days(args["date_from"], args.get("date_to"))
