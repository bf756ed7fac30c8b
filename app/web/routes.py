"""The web blueprint: every page's URL in one table, and how pages fail.

Views live in modules by the kind of user (cases, association, enterprise,
regulator, registry, admin); this table is the one place to see what URL
leads where. Errors raised by the services render as pages here, not as the
API's JSON: a missing sign-in goes to the sign-in page, another organisation's
complaint is the same 404 as one that does not exist, and the small JSON routes
used by the pages' scripts answer in JSON.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import flask_babel
from flask import (
    Blueprint,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from app.accounts.roles import Role
from app.errors import DomainError, Unauthorized
from app.i18n import LANGUAGES, remember_language
from app.web import (
    actions,
    admin,
    association,
    cases,
    downloads,
    enterprise,
    labels,
    pages,
    registry,
    regulator,
)

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/web/static",
)


def home() -> Response:
    """Send each role to the page it works from."""
    return redirect(url_for(HOME[pages.actor().role]))


HOME = {
    Role.ASSOCIATION: "web.complaint_list",
    Role.ENTERPRISE: "web.inbox",
    Role.REGIONAL_REGULATOR: "web.dashboard",
    Role.NATIONAL_REGULATOR: "web.dashboard",
    Role.ADMIN: "web.users",
}
GET, POST = ["GET"], ["POST"]
BOTH = ["GET", "POST"]
# (rule, endpoint, view, methods)
URLS: tuple[tuple[str, str, Callable[..., Any], list[str]], ...] = (
    ("/", "home", home, GET),
    # Complaints: every case role
    ("/complaints", "complaint_list", cases.complaint_list, GET),
    ("/complaints/new", "new_complaint", association.new_complaint, BOTH),
    ("/complaints/<int:complaint_id>", "complaint_detail", cases.complaint_detail, GET),
    (
        "/complaints/<int:complaint_id>/actions/<action>",
        "take_action",
        actions.take_action,
        POST,
    ),
    (
        "/complaints/<int:complaint_id>/messages/<kind>",
        "post_message",
        actions.post_message,
        POST,
    ),
    (
        "/complaints/<int:complaint_id>/contact",
        "show_contact",
        actions.show_contact,
        POST,
    ),
    (
        "/complaints/<int:complaint_id>/attachments",
        "add_attachment",
        actions.add_attachment,
        POST,
    ),
    (
        "/complaints/<int:complaint_id>/attachments/<int:attachment_id>",
        "download_attachment",
        actions.download_attachment,
        GET,
    ),
    ("/complaints/<int:complaint_id>/pause", "pause", actions.pause, POST),
    ("/complaints/<int:complaint_id>/resume", "resume", actions.resume, POST),
    (
        "/complaints/<int:complaint_id>/enterprise",
        "assign_enterprise",
        actions.assign_enterprise,
        POST,
    ),
    (
        "/complaints/<int:complaint_id>/labels",
        "override_labels",
        actions.override_labels,
        POST,
    ),
    (
        "/complaints/<int:complaint_id>/contests/<category>",
        "contest_category",
        actions.contest_category,
        POST,
    ),
    (
        "/complaints/<int:complaint_id>/contests/<category>/ruling",
        "rule_on_contest",
        regulator.rule_on_contest,
        POST,
    ),
    (
        "/complaints/<int:complaint_id>/violations",
        "substantiate",
        actions.substantiate,
        POST,
    ),
    # Bulk import and job progress
    ("/imports/new", "new_import", association.new_import, BOTH),
    ("/imports/<job_id>", "import_status", association.import_status, GET),
    ("/jobs/<job_id>", "job_status", association.job_status, GET),
    # The pages' scripts
    (
        "/suggest/enterprises",
        "enterprise_suggestions",
        cases.enterprise_suggestions,
        GET,
    ),
    (
        "/preview/classification",
        "classification_preview",
        cases.classification_preview,
        POST,
    ),
    # Enterprise contact
    ("/inbox", "inbox", enterprise.inbox, GET),
    ("/pledge", "my_pledges", enterprise.my_pledges, GET),
    ("/scorecard", "my_scorecard", enterprise.scorecard, GET),
    (
        "/enterprises/<int:enterprise_id>/scorecard",
        "scorecard",
        enterprise.scorecard,
        GET,
    ),
    # Regulators
    ("/dashboard", "dashboard", regulator.dashboard, GET),
    ("/offenders", "offenders", regulator.offenders, GET),
    ("/offenders/<int:flag_id>/review", "review_flag", regulator.review_flag, POST),
    ("/matching", "matching_queue", regulator.matching_queue, GET),
    ("/contests", "contest_queue", regulator.contest_queue, GET),
    ("/registry", "registry", registry.campaigns, GET),
    ("/registry/campaigns/<int:campaign_id>", "campaign", registry.campaign, GET),
    ("/registry/pledges/<int:pledge_id>", "pledge", registry.pledge, GET),
    ("/exports", "export_page", downloads.export_page, GET),
    ("/exports", "start_export", downloads.start_export, POST),
    ("/exports/<job_id>", "export_status", downloads.export_status, GET),
    ("/exports/<job_id>/file", "export_file", downloads.export_file, GET),
    (
        "/registry/campaigns/<int:campaign_id>/reports/<code>",
        "campaign_report",
        downloads.campaign_report,
        GET,
    ),
    (
        "/registry/campaigns/<int:campaign_id>/reports/<code>.xlsx",
        "campaign_report_file",
        downloads.campaign_report_file,
        GET,
    ),
    # Admin
    ("/admin/users", "users", admin.users, BOTH),
    ("/tokens", "tokens", admin.tokens, BOTH),
    ("/tokens/<int:token_id>/revoke", "revoke_token", admin.revoke_token, POST),
    ("/admin/rule-packs", "rule_packs", admin.rule_packs, GET),
    ("/admin/reclassify", "reclassify", admin.reclassify, POST),
    ("/admin/reclassify/<job_id>", "reclassify_status", admin.reclassify_status, GET),
    ("/admin/calendar", "calendar", admin.calendar, BOTH),
    ("/admin/calendar/<day>/delete", "delete_override", admin.delete_override, POST),
    ("/admin/sla-policies", "sla_policies", admin.sla_policies, BOTH),
    (
        "/admin/sla-policies/<int:policy_id>/delete",
        "delete_policy",
        admin.delete_policy,
        POST,
    ),
)
JSON_ENDPOINTS = {
    "web.job_status",
    "web.enterprise_suggestions",
    "web.classification_preview",
}

for rule, endpoint, view, methods in URLS:
    bp.add_url_rule(rule, endpoint, view, methods=methods)

bp.after_app_request(remember_language)
# Flask-Babel caches the language on `g`; an outer app context (a test, a shell)
# lives across requests, so each request picks its language afresh.
bp.before_app_request(flask_babel.refresh)


@bp.app_template_global()
def lang_url(code: str) -> str:
    """This page's URL in another language (its other query arguments kept)."""
    args = {k: v for k, v in request.args.items() if k != "lang"}
    if code in LANGUAGES:
        args["lang"] = code
    return request.path + "?" + urlencode(args)


@bp.app_template_global()
def nav_items() -> list[tuple[str, str]]:
    """The signed-in user's menu: (endpoint, label)."""
    if not current_user or not current_user.is_authenticated:
        return []
    role = Role(current_user.role)
    items = {
        Role.ASSOCIATION: [
            ("web.complaint_list", _("Our complaints")),
            ("web.new_complaint", _("File a complaint")),
            ("web.new_import", _("Bulk import")),
        ],
        Role.ENTERPRISE: [
            ("web.inbox", _("Inbox")),
            ("web.complaint_list", _("All complaints")),
            ("web.my_pledges", _("Our pledge")),
            ("web.my_scorecard", _("Scorecard")),
        ],
        Role.ADMIN: [
            ("web.users", _("Users")),
            ("web.rule_packs", _("Rule packs")),
            ("web.calendar", _("Calendar")),
            ("web.sla_policies", _("SLA policies")),
        ],
    }.get(role)
    if items is None:  # both kinds of regulator
        items = [
            ("web.dashboard", _("Dashboard")),
            ("web.complaint_list", _("Complaints")),
            ("web.offenders", _("Repeat offenders")),
            ("web.registry", _("Pledge registry")),
            ("web.matching_queue", _("Needs matching")),
            ("web.contest_queue", _("Contested categories")),
            ("web.export_page", _("Exports")),
            ("web.new_complaint", _("File a complaint")),
        ]
    return [*items, ("web.tokens", _("API tokens"))]


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "label": pages.label,
        "named": pages.named,
        "local": pages.local,
        "say": pages.say,
        "category_names": labels.category_names,
        "status_label": labels.status_label,
        "pledge_status": labels.pledge_status,
        "contest_status": labels.contest_status,
        "participation_status": labels.participation_status,
        "target_name": labels.target_name,
        "unit_name": labels.unit_name,
    }


# Errors -------------------------------------------------------------------------


def _error_page(status: int, message: str) -> tuple[str, int] | Response:
    if request.endpoint in JSON_ENDPOINTS:
        response = jsonify({"code": status, "message": message})
        response.status_code = status
        return response
    return render_template("web/error.html", status=status, message=message), status


@bp.errorhandler(DomainError)
def _domain_error(err: DomainError) -> Any:
    from app.extensions import db

    db.session.rollback()
    if isinstance(err, Unauthorized) and request.endpoint not in JSON_ENDPOINTS:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return _error_page(err.status_code, pages.message(err))


@bp.errorhandler(CSRFError)
def _csrf_error(err: CSRFError) -> Any:
    return _error_page(
        400, _("The form expired or lacks its security token; reload and try again.")
    )


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException) -> Any:
    code = err.code or 500
    messages = {
        400: _("The request was malformed."),
        404: _("Not found."),
        405: _("This page does not take that kind of request."),
        413: _("The upload is too large."),
        429: _("Too many requests; wait a minute and try again."),
    }
    return _error_page(code, messages.get(code, _("Something went wrong.")))
