"""Exports: filtered complaint lists, the open-data set, aggregates; CSV and XLSX.

Every text cell that a spreadsheet would read as a formula (starting with =, +,
-, @, tab or CR) is prefixed with an apostrophe. Regulators' lists leave out the
complainant's contact data (only the audited personal-data view shows it). The
open-data set follows the CFPB public database: published once the enterprise
replied or 15 days after forwarding; no name, phone, address, id number, order
number, shop, amount or free text (no consent to publish narratives is asked, so
none are published); regions to city level only.
"""

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from sqlalchemy import Select, and_, exists, or_, select

from app.accounts.access import Actor, region_prefix
from app.complaints import lifecycle
from app.complaints.models import Complaint, ComplaintCategory, ComplaintEvent
from app.complaints.scoping import scoped
from app.extensions import db
from app.fields import SHANGHAI
from app.oversight.models import Violation
from app.oversight.queries import prefix_range
from app.pledges.models import Enterprise
from app.sla.models import ComplaintDeadline

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PUBLISH_AFTER = timedelta(days=15)
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit less the header row
CHUNK_ROWS = 500
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Row = Sequence[Any]


def neutralise(value: Any) -> Any:
    """Defuse a text cell a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        # Excel has no time zones: show Beijing time, as every user reads it.
        return value.astimezone(SHANGHAI).replace(tzinfo=None)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        value = ";".join(str(v) for v in value)
    return neutralise(value)


def _text(value: Any) -> str:
    value = _cell(value)
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else str(value)
    return str(value)


def csv_stream(header: Row, rows: Iterable[Row]) -> Iterator[str]:
    """Yield a CSV (with a BOM so Excel reads UTF-8) in chunks of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([_text(h) for h in header])
    for n, row in enumerate(rows, start=1):
        writer.writerow([_text(v) for v in row])
        if n % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(sheets: Iterable[tuple[str, Row, Iterable[Row]]]) -> IO[bytes]:
    """Write sheets (title, header, rows) in write-only mode to a temporary file."""
    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        sheet.append([_cell(h) for h in header])
        for n, row in enumerate(rows, start=1):
            if n > XLSX_MAX_ROWS:
                sheet.append(["… 超出 Excel 行数上限，请缩小筛选范围 / truncated"])
                break
            sheet.append([_cell(v) for v in row])
    # The caller streams and closes it (send_file closes it with the response).
    out = tempfile.TemporaryFile()  # noqa: SIM115
    book.save(out)
    out.seek(0)
    return out


# Complaint lists -------------------------------------------------------------------


COMPLAINT_HEADER = (
    "编号 number",
    "状态 status",
    "登记时间 received_at",
    "企业编号 enterprise_id",
    "被投诉企业 enterprise",
    "活动 campaign_id",
    "地区 region_code",
    "类别 categories",
    "投诉性质 nature",
    "平台 platform",
    "店铺 shop",
    "订单号 order_no",
    "购买日期 purchase_date",
    "涉诉金额 amount",
    "投诉要求 request_type",
    "诉求 request_text",
    "事实 facts",
    "转交时间 forwarded_at",
    "首次回复 first_response_at",
    "办结时间 closed_at",
    "满意度 satisfaction",
)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), SHANGHAI)


def filtered(stmt: Select[Any], filters: Mapping[str, Any]) -> Select[Any]:
    """Apply the aggregate filters to a select over complaints."""
    c = Complaint
    for key in ("campaign_id", "enterprise_id", "status"):
        if filters.get(key) is not None:
            stmt = stmt.where(getattr(c, key) == filters[key])
    if filters.get("region_code"):
        stmt = stmt.where(
            prefix_range(c.region_code, region_prefix(filters["region_code"]))
        )
    if filters.get("category"):
        stmt = stmt.where(
            c.id.in_(
                select(ComplaintCategory.complaint_id).where(
                    ComplaintCategory.category == filters["category"]
                )
            )
        )
    if filters.get("date_from"):
        stmt = stmt.where(c.received_at >= _midnight(filters["date_from"]))
    if filters.get("date_to"):
        end = _midnight(filters["date_to"]) + timedelta(days=1)
        stmt = stmt.where(c.received_at < end)
    return stmt


def complaint_rows(actor: Actor, filters: Mapping[str, Any]) -> Iterator[Row]:
    """Yield the visible complaints matching `filters` without contact data."""
    c = Complaint
    stmt: Any = select(c, Enterprise.legal_name).outerjoin(
        Enterprise, Enterprise.id == c.enterprise_id
    )
    stmt = filtered(scoped(actor, stmt), filters).order_by(c.id)
    complaint: Complaint
    name: str | None
    for complaint, name in db.session.execute(stmt.execution_options(yield_per=1000)):
        yield (
            complaint.number,
            complaint.status,
            complaint.received_at,
            complaint.enterprise_id,
            name or complaint.enterprise_name_given,
            complaint.campaign_id,
            complaint.region_code,
            list(complaint.labels or []),
            complaint.nature,
            complaint.platform_name,
            complaint.shop_name,
            complaint.order_no,
            complaint.purchase_date,
            complaint.amount,
            complaint.request_type,
            complaint.request_text,
            complaint.facts,
            complaint.forwarded_at,
            complaint.first_response_at,
            complaint.closed_at,
            complaint.rating_satisfaction,
        )


# Open data ----------------------------------------------------------------------------


OPEN_DATA_HEADER = (
    "complaint_number",
    "date_received",
    "date_sent_to_enterprise",
    "categories",
    "nature",
    "enterprise",
    "enterprise_uscc",
    "platform",
    "province_code",
    "city_code",
    "progress",
    "enterprise_replied",
    "timely_first_response",
    "satisfaction",
    "violation_substantiated",
)
_PRIVATE_STATUSES = (lifecycle.Status.WITHDRAWN.value, lifecycle.Status.REJECTED.value)


def open_data_rows(now: datetime) -> Iterator[Row]:
    """Yield the publishable complaints with nothing that identifies a person."""
    c, d = Complaint, ComplaintDeadline
    confirmed = exists().where(
        ComplaintEvent.complaint_id == c.id,
        ComplaintEvent.to_status == lifecycle.Status.CONFIRMED.value,
    )
    substantiated = exists().where(
        Violation.complaint_id == c.id, Violation.status == "active"
    )
    stmt = (
        select(
            c.number,
            c.received_at,
            c.forwarded_at,
            c.labels,
            c.nature,
            Enterprise.legal_name,
            Enterprise.uscc,
            c.platform_name,
            c.region_code,
            c.status,
            c.first_response_at,
            d.state,
            c.rating_satisfaction,
            confirmed,
            substantiated,
        )
        .join(Enterprise, Enterprise.id == c.enterprise_id)
        .outerjoin(d, and_(d.complaint_id == c.id, d.target == "first_response"))
        .where(
            c.forwarded_at.is_not(None),
            c.status.not_in(_PRIVATE_STATUSES),
            or_(
                c.first_response_at.is_not(None),
                c.forwarded_at <= now - PUBLISH_AFTER,
            ),
        )
        .order_by(c.id)
        .execution_options(yield_per=1000)
    )
    for r in db.session.execute(stmt):
        region = r.region_code or ""
        label = lifecycle.enterprise_track_label(
            lifecycle.Status(r.status), confirmed=bool(r[13])
        )
        yield (
            r.number,
            r.received_at.astimezone(SHANGHAI).date(),
            r.forwarded_at.astimezone(SHANGHAI).date(),
            list(r.labels or []),
            r.nature,
            r.legal_name,
            r.uscc,
            r.platform_name,
            region[:2] + "0000" if region else None,
            region[:4] + "00" if region else None,
            label.zh,
            "是" if r.first_response_at else "否",
            {"met": "是", "met_late": "否", "breached": "否"}.get(r.state or ""),
            r.rating_satisfaction,
            "是" if r[14] else "否",
        )
