"""The detail page's commands: lifecycle steps, messages, evidence, contact data,
and the enterprise's contest of a category (a regulator rules on it).

Each command validates its form with the API's schema, calls the same service
as the API, and on success redirects back to the detail page (so a reload does
not repeat it). On failure the page is shown again with the message next to
the field that caused it and the HTTP status of the error.
"""

from pathlib import Path
from typing import Any

from flask import current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app.accounts.access import allow
from app.accounts.roles import REGULATORS, Role
from app.complaints import lifecycle, workflow
from app.complaints import service as complaints
from app.complaints.attachments import path_for
from app.complaints.schemas import MessageCreateSchema, TransitionSchema
from app.errors import DomainError, NotFound
from app.oversight import contests
from app.oversight import service as oversight
from app.oversight.schemas import ContestCreateSchema
from app.web import forms, pages
from app.web.cases import CASE_ROLES, render_detail, steps_for, transition_form

# A rating error names "ratings.attitude": show it on the attitude select.
_RATING_ALIASES = {"ratings": "attitude", "reason": "note"}


def _back(complaint_id: int, anchor: str = "") -> Response:
    return redirect(url_for("web.complaint_detail", complaint_id=complaint_id) + anchor)


def _failed(complaint_id: int, key: str, form: FlaskForm, status: int) -> Any:
    return render_detail(complaint_id, bound={key: form}, status=status)


@allow(*CASE_ROLES)
def take_action(complaint_id: int, action: str) -> Any:
    actor = pages.actor()
    c = complaints.get_complaint(actor, complaint_id)
    steps = {
        s.action.value: s for s in steps_for(lifecycle.Status(c.status), actor.role)
    }
    if action not in steps:
        flash(_("That step is no longer open; the page shows what is."), "error")
        return _back(complaint_id)
    step = steps[action]
    form = transition_form(step, c)
    data = pages.values(form, ("action", "note", "expected_version"))
    if form.reason.data:
        data["reason"] = form.reason.data
    stars = pages.values(form, ("attitude", "speed", "satisfaction"))
    if stars:
        data["ratings"] = stars
    aliases = dict(_RATING_ALIASES)
    if step.requires_reason in (
        lifecycle.ReasonKind.REJECT,
        lifecycle.ReasonKind.TERMINATION,
    ):
        aliases["reason"] = "reason"
    loaded = pages.load(TransitionSchema(), data, form, aliases)
    if loaded is None:
        return _failed(complaint_id, action, form, 422)
    try:
        workflow.transition(actor, complaint_id, data=loaded)
    except DomainError as err:
        if err.reason == "concurrent_update":
            # Someone else moved the case: show it as it is now.
            flash(pages.message(err), "error")
            return _back(complaint_id)
        pages.domain_error(form, err, aliases=aliases)
        return _failed(complaint_id, action, form, err.status_code)
    flash(_("Done: %(step)s.", step=pages.label(step.action)), "ok")
    return _back(complaint_id)


@allow(*CASE_ROLES)
def post_message(complaint_id: int, kind: str) -> Any:
    form = forms.MessageForm(prefix=kind)
    data = pages.values(
        form, ("body", "refund_amount", "compensation_amount", "replacement")
    )
    data["kind"] = kind
    if kind != "proposal":
        data.pop("replacement", None)
    loaded = pages.load(MessageCreateSchema(), data, form)
    if loaded is None:
        return _failed(complaint_id, f"message:{kind}", form, 422)
    try:
        workflow.post_message(pages.actor(), complaint_id, data=loaded)
    except DomainError as err:
        pages.domain_error(form, err)
        return _failed(complaint_id, f"message:{kind}", form, err.status_code)
    flash(_("Message sent."), "ok")
    return _back(complaint_id, "#thread")


@allow(*CASE_ROLES)
def show_contact(complaint_id: int) -> Any:
    """Reveal the complainant's contact data once; the service audits the view."""
    try:
        unmasked = complaints.personal_data(pages.actor(), complaint_id)
    except DomainError as err:
        if isinstance(err, NotFound):
            raise
        flash(pages.message(err), "error")
        return _back(complaint_id)
    return render_detail(complaint_id, unmasked=unmasked)


def upload_root() -> str:
    configured = current_app.config.get("UPLOAD_DIR")
    return str(configured or Path(current_app.instance_path) / "uploads")


def store_upload(complaint_id: int, upload: Any) -> None:
    """Store one uploaded file as evidence, read no further than the size limit."""
    limit = int(current_app.config["MAX_ATTACHMENT_BYTES"])
    content = upload.stream.read(limit + 1)
    complaints.add_attachment(
        pages.actor(),
        complaint_id,
        filename=upload.filename or "",
        content=content,
        root=upload_root(),
        max_bytes=limit,
    )


@allow(*CASE_ROLES)
def add_attachment(complaint_id: int) -> Any:
    form = forms.AttachmentForm()
    upload = form.file.data
    if not upload or not upload.filename:
        form.file.errors = [_("Choose a file.")]
        return _failed(complaint_id, "attachment", form, 422)
    try:
        store_upload(complaint_id, upload)
    except DomainError as err:
        form.file.errors = [pages.message(err)]
        return _failed(complaint_id, "attachment", form, err.status_code)
    flash(_("Evidence added."), "ok")
    return _back(complaint_id, "#evidence")


@allow(*CASE_ROLES)
def download_attachment(complaint_id: int, attachment_id: int) -> Response:
    row = complaints.get_attachment(pages.actor(), complaint_id, attachment_id)
    return send_file(
        path_for(Path(upload_root()), row.sha256),
        mimetype=row.content_type,
        download_name=row.filename,
        as_attachment=True,
    )


@allow(*REGULATORS)
def pause(complaint_id: int) -> Any:
    form = forms.PauseForm()
    try:
        workflow.pause(
            pages.actor(),
            complaint_id,
            reason=form.reason.data or "",
            note=(form.note.data or "").strip() or None,
        )
    except DomainError as err:
        pages.domain_error(form, err)
        return _failed(complaint_id, "pause", form, err.status_code)
    flash(_("The clocks are paused."), "ok")
    return _back(complaint_id)


@allow(*REGULATORS)
def resume(complaint_id: int) -> Any:
    try:
        workflow.resume(
            pages.actor(), complaint_id, reason=request.form.get("reason", "")
        )
    except DomainError as err:
        if isinstance(err, NotFound):
            raise
        flash(pages.message(err), "error")
    else:
        flash(_("The clocks run again."), "ok")
    return _back(complaint_id)


@allow(*REGULATORS)
def assign_enterprise(complaint_id: int) -> Any:
    form = forms.AssignForm()
    raw = form.enterprise_id.data or ""
    if not raw.isdigit():
        form.enterprise_id.errors = [_("Choose the enterprise.")]
        return _failed(complaint_id, "assign", form, 422)
    try:
        complaints.assign_enterprise(
            pages.actor(),
            complaint_id,
            enterprise_id=int(raw),
            note=(form.note.data or "").strip() or None,
        )
    except DomainError as err:
        pages.domain_error(form, err)
        return _failed(complaint_id, "assign", form, err.status_code)
    flash(_("The complaint is matched to the enterprise."), "ok")
    next_url = request.form.get("next", "")
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return _back(complaint_id)


@allow(*REGULATORS)
def override_labels(complaint_id: int) -> Any:
    form = forms.LabelsForm()
    reason = (form.reason.data or "").strip()
    if not reason:
        form.reason.errors = [_("Required.")]
        return _failed(complaint_id, "labels", form, 422)
    try:
        complaints.override_labels(
            pages.actor(), complaint_id, labels=form.labels.data or [], reason=reason
        )
    except DomainError as err:
        pages.domain_error(form, err)
        return _failed(complaint_id, "labels", form, err.status_code)
    flash(_("Categories changed."), "ok")
    return _back(complaint_id)


@allow(*REGULATORS)
def substantiate(complaint_id: int) -> Any:
    form = forms.SubstantiateForm()
    try:
        oversight.substantiate(
            pages.actor(),
            complaint_id,
            categories=form.categories.data or [],
            note=(form.note.data or "").strip() or None,
        )
    except DomainError as err:
        pages.domain_error(form, err)
        return _failed(complaint_id, "substantiate", form, err.status_code)
    flash(_("The violation is recorded."), "ok")
    return _back(complaint_id, "#findings")


@allow(Role.ENTERPRISE)
def contest_category(complaint_id: int, category: str) -> Any:
    form = forms.ContestForm(prefix=f"contest-{category}")
    key = f"contest:{category}"
    data = {"category": category, **pages.values(form, ("reason",))}
    loaded = pages.load(ContestCreateSchema(), data, form)
    if loaded is None:
        return _failed(complaint_id, key, form, 422)
    try:
        contests.file_contest(pages.actor(), complaint_id, **loaded)
    except DomainError as err:
        if isinstance(err, NotFound):
            raise
        pages.domain_error(form, err)
        return _failed(complaint_id, key, form, err.status_code)
    flash(_("The contest is filed; a regulator will rule on it."), "ok")
    return _back(complaint_id, "#contests")
