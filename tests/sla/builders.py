"""Complaint histories for SLA tests, written as the complaints workflow writes them.

Each helper stores what the workflow stores (the complaint row, an event, a pause)
and then calls `sla.refresh`, exactly as the complaints service does after every
filing, transition, message and pause.
"""

from datetime import UTC, datetime
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from app.complaints.lifecycle import FINAL_STATUSES, Status
from app.complaints.models import Complaint, ComplaintEvent
from app.extensions import db
from app.sla import service as sla
from app.sla.models import SlaPause

SH = ZoneInfo("Asia/Shanghai")
_numbers = count(1)


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A Shanghai wall-clock time as the aware UTC instant the service stores."""
    return datetime(y, m, d, hh, mm, tzinfo=SH).astimezone(UTC)


def file(received_at: datetime, **over: Any) -> Complaint:
    n = next(_numbers)
    data: dict[str, Any] = {
        "number": f"TS{received_at.astimezone(SH):%Y%m%d}-{n:06d}",
        "status": str(Status.SUBMITTED),
        "channel": "api",
        "received_at": received_at,
        "complainant_name": "张三",
        "complainant_phone": f"1380000{n:04d}",
        "complainant_address": "河南省郑州市",
        "enterprise_name_given": "测试企业",
        "match_method": "uscc",
        "match_confidence": 1.0,
        "request_type": "refund",
        "facts": "商品与描述不符",
        "labels": [],
        "updated_at": received_at,
    }
    data.update(over)
    complaint = Complaint(**data)
    db.session.add(complaint)
    db.session.flush()
    _event(complaint, "file", None, str(Status.SUBMITTED), received_at)
    sla.refresh(complaint.id, now=received_at)
    db.session.commit()
    return complaint


def step(complaint: Complaint, action: str, to_status: str, at: datetime) -> None:
    """Take a lifecycle step with the side effects the workflow applies."""
    before = complaint.status
    complaint.status = to_status
    complaint.updated_at = at
    if action == "forward" and complaint.forwarded_at is None:
        complaint.forwarded_at = at
    if action == "respond":
        complaint.first_response_at = complaint.first_response_at or at
    if to_status in FINAL_STATUSES:
        complaint.closed_at = at
    _event(complaint, action, before, to_status, at)
    db.session.flush()
    sla.refresh(complaint.id, now=at)
    db.session.commit()


def pause(complaint: Complaint, reason: str, at: datetime) -> SlaPause:
    row = SlaPause(complaint_id=complaint.id, reason=reason, started_at=at)
    db.session.add(row)
    db.session.flush()
    sla.refresh(complaint.id, now=at)
    db.session.commit()
    return row


def resume(row: SlaPause, at: datetime) -> None:
    row.ended_at = at
    db.session.flush()
    sla.refresh(row.complaint_id, now=at)
    db.session.commit()


def accepted_and_forwarded(
    received_at: datetime, forwarded_at: datetime, **over: Any
) -> Complaint:
    complaint = file(received_at, **over)
    step(complaint, "accept", "accepted", received_at)
    step(complaint, "forward", "forwarded", forwarded_at)
    return complaint


def _event(
    complaint: Complaint, action: str, before: str | None, to_status: str, at: datetime
) -> None:
    db.session.add(
        ComplaintEvent(
            complaint_id=complaint.id,
            at=at,
            role="national_regulator",
            action=action,
            from_status=before,
            to_status=to_status,
        )
    )
