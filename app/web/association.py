"""Filing pages: one complaint through the form, many through an upload.

The form is checked by the API's ComplaintCreateSchema and the complaints
service's business rules, so a page and the API accept the same complaints.
Evidence files are checked before the complaint is filed, so a bad file is
reported next to its field and nothing is half-done. A bulk import runs as a
job whose page shows its progress and then the result of every row.
"""

import uuid
from typing import Any

from flask import (
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.accounts.access import allow
from app.accounts.roles import REGULATORS, Role
from app.complaints import attachments, importer
from app.complaints import service as complaints
from app.complaints.enums import Channel
from app.complaints.schemas import ComplaintCreateSchema
from app.errors import DomainError, Invalid
from app.i18n import pick
from app.pledges import service as registry
from app.rules import service as rules
from app.web import forms, jobs, pages
from app.web.actions import store_upload

FILERS = (Role.ASSOCIATION, *REGULATORS)
IMPORT_SUFFIXES = (".csv", ".txt", ".xlsx")


def _choices(form: forms.ComplaintForm) -> None:
    form.campaign_id.choices = forms.options(
        [("", _("Decide from the purchase date"))]
        + [(str(c.id), c.name) for c in registry.list_campaigns()]
    )
    form.region_code.choices = forms.options(
        [("", _("The filing organisation's region"))]
        + [(r.code, r.name) for r in registry.list_regions()]
    )


def _preview(form: forms.ComplaintForm) -> dict[str, Any] | None:
    """Classify the draft as the filing would; None when there is no text yet."""
    text = "\n".join(t for t in (form.facts.data, form.request_text.data) if t).strip()
    if not text:
        return None
    try:
        data = rules.classify_text(text[:20000]).to_dict()
    except DomainError as err:
        form.facts.errors = [pages.message(err)]
        return None
    cats = [c for c in data["categories"] if c["labelled"]]
    for cat in cats:
        cat["words"] = list(dict.fromkeys(h["matched"] for h in cat["hits"]))
    return {"categories": cats, "nature": data["nature"]}


def _checked_uploads(form: forms.ComplaintForm) -> list[Any] | None:
    """Check every evidence file before filing; None (with errors) if one fails."""
    limit = int(current_app.config["MAX_ATTACHMENT_BYTES"])
    files = [f for f in form.attachments.data or [] if f and f.filename]
    for upload in files:
        content = upload.stream.read(limit + 1)
        upload.stream.seek(0)
        try:
            attachments.check(upload.filename, content, max_bytes=limit)
        except attachments.AttachmentRefused as err:
            form.attachments.errors = [f"{upload.filename}: {pick(err.zh, err.en)}"]
            return None
    return files


def _render_new(form: forms.ComplaintForm, status: int, preview: Any = None) -> Any:
    return render_template(
        "web/complaints/new.html", form=form, preview=preview
    ), status


@allow(*FILERS)
def new_complaint() -> Any:
    form = forms.ComplaintForm()
    _choices(form)
    if not form.is_submitted():
        form.idempotency_key.data = uuid.uuid4().hex
        return _render_new(form, 200)
    if request.form.get("preview"):
        return _render_new(form, 200, _preview(form) or {"categories": []})
    data = pages.values(form, forms.ComplaintForm.SCHEMA_FIELDS)
    data["on_behalf"] = bool(form.on_behalf.data)
    loaded = pages.load(ComplaintCreateSchema(), data, form)
    uploads = _checked_uploads(form)
    if loaded is None or uploads is None:
        return _render_new(form, 422)
    key = (form.idempotency_key.data or "").strip()[:200] or None
    try:
        complaint, _replayed = complaints.file_complaint(
            pages.actor(), data=loaded, channel=Channel.WEB, idempotency_key=key
        )
    except DomainError as err:
        pages.domain_error(form, err)
        return _render_new(form, err.status_code)
    for upload in uploads:
        try:
            store_upload(complaint.id, upload)
        except DomainError as err:  # checked above; only a race can get here
            flash(f"{upload.filename}: {pages.message(err)}", "error")
    flash(_("Complaint %(number)s filed.", number=complaint.number), "ok")
    return redirect(url_for("web.complaint_detail", complaint_id=complaint.id))


# Bulk import ---------------------------------------------------------------------


def _import_work(actor: Any, filename: str, content: bytes, skip: bool) -> jobs.Work:
    def work(handle: jobs.Handle) -> dict[str, Any]:
        try:
            report = importer.import_file(
                actor,
                filename=filename,
                content=content,
                skip_invalid=skip,
                progress=handle.progress,
            )
        except importer.ImportFileError as err:
            raise Invalid(err.zh, err.en, errors={"file": [err.en]}) from err
        return {
            "total_rows": report.total_rows,
            "imported": [
                {"row": r, "complaint_id": cid, "number": n}
                for r, cid, n in report.imported
            ],
            "rejected": [{"row": r.row, "errors": r.errors} for r in report.rejected],
        }

    return work


@allow(*FILERS)
def new_import() -> Any:
    form = forms.ImportForm()
    if not form.is_submitted():
        return render_template("web/imports/new.html", form=form)
    upload = form.file.data
    if not upload or not upload.filename:
        form.file.errors = [_("Choose a file.")]
    elif not upload.filename.lower().endswith(IMPORT_SUFFIXES):
        form.file.errors = [_("Only .csv and .xlsx files can be imported.")]
    if form.file.errors:
        return render_template("web/imports/new.html", form=form), 422
    content = upload.stream.read()
    job = jobs.start(
        "import",
        pages.actor(),
        _import_work(
            pages.actor(), upload.filename, content, bool(form.skip_invalid.data)
        ),
    )
    return redirect(url_for("web.import_status", job_id=job.id))


@allow(*FILERS)
def import_status(job_id: str) -> Any:
    job = jobs.get(pages.actor(), job_id)
    rows = _row_errors(job)
    return render_template("web/imports/status.html", job=job, rows=rows)


def _row_errors(job: jobs.Job) -> list[dict[str, Any]]:
    """Every rejected row with its field errors, from either way a job reports."""
    if job.state == "done":
        return list(job.result.get("rejected", []))
    rows = []
    for key, errors in job.error_fields.items():
        if key.startswith("row ") and key[4:].isdigit():
            rows.append({"row": int(key[4:]), "errors": errors})
    return sorted(rows, key=lambda r: r["row"])


@allow(*Role)
def job_status(job_id: str) -> Response:
    """The poll target of a job page's progress bar."""
    job = jobs.get(pages.actor(), job_id)
    return jsonify(
        {
            "state": job.state,
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
        }
    )
