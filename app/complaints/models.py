"""Complaint tables: the complaint, its events, messages, attachments, labels."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.db_types import Money, UTCDateTime
from app.extensions import db


class Complaint(db.Model):  # type: ignore[name-defined]
    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_enterprise_received", "enterprise_id", "received_at"),
        Index("ix_complaints_status_received", "status", "received_at"),
        Index("ix_complaints_filer_received", "filer_org_id", "received_at"),
        Index("ix_complaints_region_received", "region_code", "received_at"),
        Index("ix_complaints_phone_received", "complainant_phone", "received_at"),
        Index("ix_complaints_order_no", "order_no"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Optimistic lock: concurrent transitions on one complaint, one wins.
    version: Mapped[int] = mapped_column(Integer, default=1)

    filer_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    filed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=True)
    complainant_name: Mapped[str] = mapped_column(String(100))
    complainant_phone: Mapped[str] = mapped_column(String(32))
    complainant_address: Mapped[str] = mapped_column(String(300))
    complainant_id_number: Mapped[str | None] = mapped_column(String(32))

    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    enterprise_name_given: Mapped[str] = mapped_column(String(200))
    enterprise_uscc_given: Mapped[str | None] = mapped_column(String(40))
    match_method: Mapped[str] = mapped_column(String(16))
    match_confidence: Mapped[float] = mapped_column(Float)
    match_candidates: Mapped[list[Any]] = mapped_column(JSON, default=list)
    needs_matching: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))

    platform_name: Mapped[str | None] = mapped_column(String(100))
    shop_name: Mapped[str | None] = mapped_column(String(200))
    order_no: Mapped[str | None] = mapped_column(String(100))
    purchase_date: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[Decimal | None] = mapped_column(Money())
    request_type: Mapped[str] = mapped_column(String(16))
    request_text: Mapped[str | None] = mapped_column(Text)
    facts: Mapped[str] = mapped_column(Text)

    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id"), index=True
    )
    campaign_source: Mapped[str | None] = mapped_column(String(16))  # auto | override

    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    nature: Mapped[str | None] = mapped_column(String(32))
    classification: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    pack_versions: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    duplicate_reason: Mapped[str | None] = mapped_column(String(32))
    duplicate_score: Mapped[float | None] = mapped_column(Float)

    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating_attitude: Mapped[int | None] = mapped_column(Integer)
    rating_speed: Mapped[int | None] = mapped_column(Integer)
    rating_satisfaction: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __mapper_args__ = {"version_id_col": version}

    events: Mapped[list["ComplaintEvent"]] = relationship(order_by="ComplaintEvent.id")
    messages: Mapped[list["ComplaintMessage"]] = relationship(
        order_by="ComplaintMessage.id"
    )
    attachments: Mapped[list["Attachment"]] = relationship(order_by="Attachment.id")


class ComplaintCategory(db.Model):  # type: ignore[name-defined]
    """The complaint's current categories, one row each, for fast filtering."""

    __tablename__ = "complaint_categories"
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class LabelOverride(db.Model):  # type: ignore[name-defined]
    __tablename__ = "label_overrides"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[list[str]] = mapped_column(JSON)
    after: Mapped[list[str]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)


class ComplaintEvent(db.Model):  # type: ignore[name-defined]
    __tablename__ = "complaint_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class ComplaintMessage(db.Model):  # type: ignore[name-defined]
    __tablename__ = "complaint_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    refund_amount: Mapped[Decimal | None] = mapped_column(Money())
    compensation_amount: Mapped[Decimal | None] = mapped_column(Money())
    replacement: Mapped[bool | None] = mapped_column(Boolean)


class Attachment(db.Model):  # type: ignore[name-defined]
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(Integer)


class ComplaintCounter(db.Model):  # type: ignore[name-defined]
    """The last sequence number issued on one Shanghai-local day."""

    __tablename__ = "complaint_counters"
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)


class IdempotencyKey(db.Model):  # type: ignore[name-defined]
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
