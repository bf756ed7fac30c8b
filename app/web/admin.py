"""The admin's pages: users and API tokens, rule packs, the calendar, SLA policies.

Every change goes through the service the API uses (which audits it). The rule
pack page lints the pack files on disk the way `flask rules lint` does, so an
admin sees a broken file before the next restart would refuse it; the versions
shown are those of the packs the running engine was compiled from.
"""

from pathlib import Path
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from app.accounts import service as accounts
from app.accounts.access import ANY_ROLE, allow
from app.accounts.roles import Role
from app.accounts.schemas import TokenCreateSchema, UserSchema
from app.complaints import service as complaints
from app.errors import DomainError, field_error
from app.i18n import pick
from app.pledges import service as registry
from app.rules import engine, natures, packs
from app.rules import service as rules
from app.sla import precedence, settings
from app.sla.policies import PolicyTarget, PolicyUnit
from app.sla.schemas import (
    CalendarOverrideSchema,
    CalendarYearCreateSchema,
    SlaPolicySchema,
)
from app.web import forms, jobs, labels, pages

ROLE_NAMES = {
    Role.ASSOCIATION: _l("Consumer association"),
    Role.ENTERPRISE: _l("Enterprise contact"),
    Role.REGIONAL_REGULATOR: _l("Regional regulator"),
    Role.NATIONAL_REGULATOR: _l("National regulator"),
    Role.ADMIN: _l("Administrator"),
}


def _back(endpoint: str) -> Response:
    return redirect(url_for(endpoint))


# Users and tokens ----------------------------------------------------------------


@allow(Role.ADMIN)
def users() -> Any:
    form = forms.UserForm()
    form.role.choices = forms.options([(r.value, str(ROLE_NAMES[r])) for r in Role])
    status = 200
    if form.is_submitted():
        data = pages.values(form, ("email", "name", "role", "org", "password"))
        loaded = pages.load(UserSchema(), data, form)
        status = 422
        if loaded is not None:
            try:
                user = accounts.create_user(pages.actor(), data=loaded)
            except DomainError as err:
                pages.domain_error(form, err)
                status = err.status_code
            else:
                flash(_("User %(email)s created.", email=user.email), "ok")
                return _back("web.users")
    return render_template(
        "web/admin/users.html",
        users=accounts.list_users(pages.actor()),
        form=form,
        role_names={r.value: str(n) for r, n in ROLE_NAMES.items()},
    ), status


@allow(*ANY_ROLE)
def tokens() -> Any:
    actor = pages.actor()
    form = forms.TokenForm()
    new_token, status = None, 200
    if form.is_submitted():
        loaded = pages.load(
            TokenCreateSchema(), pages.values(form, ("name", "expires_at")), form
        )
        status = 422
        if loaded is not None:
            try:
                _row, new_token = accounts.create_token(
                    actor, accounts.get_user(actor.user_id), **loaded
                )
                status = 201
                form = forms.TokenForm(formdata=None)
            except DomainError as err:
                pages.domain_error(form, err)
                status = err.status_code
    return render_template(
        "web/admin/tokens.html",
        tokens=accounts.list_tokens(actor),
        form=form,
        new_token=new_token,
        button=forms.ButtonForm(formdata=None),
    ), status


@allow(*ANY_ROLE)
def revoke_token(token_id: int) -> Response:
    accounts.revoke_token(pages.actor(), token_id)
    flash(_("Token revoked."), "ok")
    return _back("web.tokens")


# Rule packs -----------------------------------------------------------------------


def lint() -> list[dict[str, Any]]:
    """Validate every pack file and the natures file; one line per file."""
    folder = Path(current_app.config.get("RULE_PACKS_DIR") or packs.PACKS_DIR)
    natures_file = Path(
        current_app.config.get("RULE_NATURES_FILE") or natures.NATURES_FILE
    )
    lines: list[dict[str, Any]] = []
    loaded: list[packs.RulePack] = []
    for file in sorted(folder.glob("*.toml")):
        try:
            pack = packs.load_file(file)
        except packs.PackError as err:
            lines.append({"file": file.name, "ok": False, "text": str(err)})
            continue
        loaded.append(pack)
        text = _(
            "%(id)s version %(version)s: %(n)s rules",
            id=pack.id,
            version=pack.version,
            n=len(pack.rules),
        )
        lines.append({"file": file.name, "ok": True, "text": text})
    if not lines:
        lines.append({"file": str(folder), "ok": False, "text": _("No pack files.")})
    try:
        packs.check_unique(tuple(loaded))
        found = natures.load(natures_file)
        engine.build(loaded, found)
        text = _("%(n)s complaint natures", n=len(found))
        lines.append({"file": natures_file.name, "ok": True, "text": text})
    except packs.PackError as err:
        lines.append({"file": natures_file.name, "ok": False, "text": str(err)})
    return lines


@allow(Role.ADMIN, Role.NATIONAL_REGULATOR)
def rule_packs() -> Any:
    return render_template(
        "web/admin/rule_packs.html", packs=rules.list_packs(), lint=lint()
    )


def _reclassify_work(handle: jobs.Handle) -> dict[str, Any]:
    total = complaints.count_complaints()
    done = [0]

    def step(n: int) -> None:
        done[0] += n
        handle.progress(done[0], total)

    handle.progress(0, total)
    changed = complaints.reclassify_all(progress=step)
    return {"rows": total, "changed": changed}


@allow(Role.ADMIN)
def reclassify() -> Response:
    """Re-run stored complaints through the packs, as a job with progress."""
    job = jobs.start("reclassify", pages.actor(), _reclassify_work)
    return redirect(url_for("web.reclassify_status", job_id=job.id))


@allow(Role.ADMIN)
def reclassify_status(job_id: str) -> Any:
    return render_template(
        "web/admin/reclassify_status.html", job=jobs.get(pages.actor(), job_id)
    )


# Calendar --------------------------------------------------------------------------


@allow(Role.ADMIN)
def calendar() -> Any:
    override = forms.OverrideForm(prefix="override")
    year = forms.YearForm(prefix="year")
    status = 200
    if request.method == "POST":
        status = _calendar_post(override, year)
        if status < 300:
            return _back("web.calendar")
    raw = request.args.get("year", "")
    return render_template(
        "web/admin/calendar.html",
        overrides=settings.override_views(year=int(raw) if raw.isdigit() else None),
        years=settings.list_years(),
        override_form=override,
        year_form=year,
        button=forms.ButtonForm(formdata=None),
    ), status


def _calendar_post(override: forms.OverrideForm, year: forms.YearForm) -> int:
    actor = pages.actor()
    if request.form.get("which") == "year":
        form: Any = year
        loaded = pages.load(
            CalendarYearCreateSchema(), pages.values(year, ("year", "note")), year
        )
        call: Any = settings.declare_year
    else:
        form = override
        data = pages.values(override, ("date", "is_workday", "reason"))
        loaded = pages.load(CalendarOverrideSchema(), data, override)
        call = settings.add_override
    if loaded is None:
        return 422
    try:
        call(actor, data=loaded)
    except DomainError as err:
        pages.domain_error(form, err)
        return err.status_code
    flash(_("Calendar updated; running deadlines were recomputed."), "ok")
    return 201


@allow(Role.ADMIN)
def delete_override(day: str) -> Response:
    try:
        parsed = CalendarOverrideSchema(only=("date",)).load({"date": day})["date"]
    except Exception as exc:  # any parse failure is the same bad date
        raise field_error("date", "日期无效。", "Not a valid date.") from exc
    settings.delete_override(pages.actor(), parsed)
    flash(_("Override removed; running deadlines were recomputed."), "ok")
    return _back("web.calendar")


# SLA policies -------------------------------------------------------------------


@allow(Role.ADMIN)
def sla_policies() -> Any:
    form = forms.PolicyForm()
    form.target.choices = forms.options(
        [(t.value, labels.target_name(t.value)) for t in PolicyTarget]
    )
    form.unit.choices = forms.options(
        [(u.value, labels.unit_name(u.value)) for u in PolicyUnit]
    )
    every = [("", _("Any"))]
    form.campaign_id.choices = forms.options(
        every + [(str(c.id), c.name) for c in registry.list_campaigns()]
    )
    form.category.choices = forms.options(
        every + [(p.category, pages.named(p)) for p in rules.list_packs()]
    )
    status = 200
    if form.is_submitted():
        fields = (
            "code",
            "target",
            "campaign_id",
            "category",
            "name_zh",
            "name_en",
            "amount",
            "unit",
            "legal_basis",
            "at_risk_percent",
        )
        data = pages.values(form, fields)
        data["roll_to_workday"] = bool(form.roll_to_workday.data)
        loaded = pages.load(SlaPolicySchema(), data, form)
        status = 422
        if loaded is not None:
            try:
                settings.create_policy(pages.actor(), data=loaded)
            except DomainError as err:
                pages.domain_error(form, err)
                status = err.status_code
            else:
                flash(
                    _("Policy added; it applies to clocks that start from now."), "ok"
                )
                return _back("web.sla_policies")
    return render_template(
        "web/admin/sla_policies.html",
        policies=settings.list_policies(),
        builtin=settings.builtin_policies(),
        order=pick(precedence.ORDER_ZH, precedence.ORDER_EN),
        form=form,
        button=forms.ButtonForm(formdata=None),
    ), status


@allow(Role.ADMIN)
def delete_policy(policy_id: int) -> Response:
    settings.delete_policy(pages.actor(), policy_id)
    flash(_("Policy removed."), "ok")
    return _back("web.sla_policies")
