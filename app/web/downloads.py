"""Exports and the campaign milestone reports, for regulators.

A complaint export can run to hundreds of thousands of rows, so it is written
to a file by a job while the page shows how many rows are done; the finished
file is then downloaded by the user who asked for it. Rows come from the
oversight exports, scoped to the regulator and without contact data. The
campaign reports (first day, end of the May Day holiday, final summary) are
shown as tables and offered as the same workbook the API serves.
"""

import shutil
from collections.abc import Iterator, Mapping
from typing import Any

from flask import redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.accounts.access import Actor, allow
from app.accounts.roles import REGULATORS
from app.complaints import service as complaints
from app.complaints.schemas import ComplaintQueryArgsSchema
from app.oversight import exports, reports
from app.pledges import service as registry
from app.web import forms, jobs, pages
from app.web.cases import fill_filter_choices

FILTERS = (
    "campaign_id",
    "region_code",
    "category",
    "enterprise_id",
    "date_from",
    "date_to",
    "status",
)
FORMATS = {"csv": "text/csv", "xlsx": exports.XLSX_TYPE}


def _counted(rows: Iterator[Any], total: int, progress: jobs.Progress) -> Iterator[Any]:
    done = 0
    for row in rows:
        done += 1
        if done % 200 == 0:
            progress(done, max(total, done))
        yield row
    progress(done, done)


def _export_work(actor: Actor, filters: Mapping[str, Any], fmt: str) -> jobs.Work:
    def work(handle: jobs.Handle) -> dict[str, Any]:
        # The list's count uses the same scoping and filters as the export.
        total = complaints.list_complaints(actor, filters=filters, page=1, per_page=1)
        handle.progress(0, total["total"])
        rows = _counted(
            exports.complaint_rows(actor, filters), total["total"], handle.progress
        )
        target = handle.file(fmt)
        if fmt == "csv":
            with target.open("w", encoding="utf-8", newline="") as out:
                for chunk in exports.csv_stream(exports.COMPLAINT_HEADER, rows):
                    out.write(chunk)
        else:
            book = exports.xlsx_file(
                [("投诉 Complaints", exports.COMPLAINT_HEADER, rows)]
            )
            with book, target.open("wb") as out:
                shutil.copyfileobj(book, out)
        return {"format": fmt, "rows": total["total"]}

    return work


@allow(*REGULATORS)
def export_page() -> Any:
    form = forms.FilterForm(request.args)
    fill_filter_choices(form)
    return render_template("web/regulator/exports.html", form=form)


@allow(*REGULATORS)
def start_export() -> Any:
    form = forms.FilterForm(request.form, meta={"csrf": False})
    fill_filter_choices(form)
    raw = {k: request.form[k] for k in FILTERS if request.form.get(k, "").strip()}
    filters = pages.load(ComplaintQueryArgsSchema(only=FILTERS), raw, form)
    fmt = request.form.get("format", "csv")
    if filters is None or fmt not in FORMATS:
        return render_template("web/regulator/exports.html", form=form), 422
    job = jobs.start("export", pages.actor(), _export_work(pages.actor(), filters, fmt))
    return redirect(url_for("web.export_status", job_id=job.id))


@allow(*REGULATORS)
def export_status(job_id: str) -> Any:
    job = jobs.get(pages.actor(), job_id)
    return render_template("web/regulator/export_status.html", job=job)


@allow(*REGULATORS)
def export_file(job_id: str) -> Response:
    job = jobs.get(pages.actor(), job_id)
    fmt = job.result.get("format", "")
    if job.state != "done" or fmt not in FORMATS:
        return redirect(url_for("web.export_status", job_id=job.id))
    return send_file(
        jobs.file_path(job.id, fmt),
        mimetype=FORMATS[fmt],
        as_attachment=True,
        download_name=f"complaints.{fmt}",
    )


# Campaign reports -------------------------------------------------------------------


@allow(*REGULATORS)
def campaign_report(campaign_id: int, code: str) -> Any:
    if code not in reports.CODES:
        return render_template(
            "web/error.html", status=404, message=_("Not found.")
        ), 404
    data = reports.campaign_report(pages.actor(), campaign_id, code)
    return render_template(
        "web/registry/report.html",
        data=data,
        code=code,
        codes=reports.CODES,
        names=reports.NAMES,
        campaign=registry.get_campaign(campaign_id),
    )


@allow(*REGULATORS)
def campaign_report_file(campaign_id: int, code: str) -> Response:
    if code not in reports.CODES:
        return redirect(url_for("web.campaign", campaign_id=campaign_id))
    data = reports.campaign_report(pages.actor(), campaign_id, code)
    book = reports.workbook(data["report"]["name"], data)
    return send_file(
        book,
        mimetype=exports.XLSX_TYPE,
        as_attachment=True,
        download_name=f"campaign-{campaign_id}-{code}.xlsx",
    )
