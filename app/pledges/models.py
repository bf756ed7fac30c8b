"""Registry tables: regions, campaigns, enterprises, participations, pledges."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.db_types import UTCDateTime
from app.extensions import db


class Region(db.Model):  # type: ignore[name-defined]
    __tablename__ = "regions"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)  # GB/T 2260
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))  # province | city | county
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))


class PledgeTemplate(db.Model):  # type: ignore[name-defined]
    __tablename__ = "pledge_templates"
    __table_args__ = (UniqueConstraint("code", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    clauses: Mapped[list["PledgeClause"]] = relationship(
        order_by="PledgeClause.number", cascade="all, delete-orphan"
    )


class PledgeClause(db.Model):  # type: ignore[name-defined]
    __tablename__ = "pledge_clauses"
    __table_args__ = (UniqueConstraint("template_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("pledge_templates.id"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class Campaign(db.Model):  # type: ignore[name-defined]
    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str | None] = mapped_column(String(200))
    organisers: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    scope: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    default_region_cap: Mapped[int] = mapped_column(Integer, default=5)
    pledge_template_id: Mapped[int | None] = mapped_column(
        ForeignKey("pledge_templates.id")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sections: Mapped[list["CampaignSection"]] = relationship(
        order_by="CampaignSection.position", cascade="all, delete-orphan"
    )
    milestones: Mapped[list["CampaignMilestone"]] = relationship(
        order_by="CampaignMilestone.due_date", cascade="all, delete-orphan"
    )
    region_caps: Mapped[list["CampaignRegionCap"]] = relationship(
        cascade="all, delete-orphan"
    )


class CampaignSection(db.Model):  # type: ignore[name-defined]
    __tablename__ = "campaign_sections"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)


class CampaignMilestone(db.Model):  # type: ignore[name-defined]
    __tablename__ = "campaign_milestones"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date)


class CampaignRegionCap(db.Model):  # type: ignore[name-defined]
    """A region allowed more recommendations than the campaign default."""

    __tablename__ = "campaign_region_caps"
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id"), primary_key=True
    )
    region_code: Mapped[str] = mapped_column(
        ForeignKey("regions.code"), primary_key=True
    )
    cap: Mapped[int] = mapped_column(Integer)


class Enterprise(db.Model):  # type: ignore[name-defined]
    __tablename__ = "enterprises"
    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    uscc_checksum_ok: Mapped[bool | None] = mapped_column(Boolean)
    kind: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str | None] = mapped_column(
        ForeignKey("regions.code"), index=True
    )
    contact_name: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )
    aliases: Mapped[list["EnterpriseAlias"]] = relationship(
        order_by="EnterpriseAlias.id", cascade="all, delete-orphan"
    )

    @property
    def alias_names(self) -> list[str]:
        return [a.alias for a in self.aliases]

    @property
    def uscc_warning(self) -> str | None:
        if self.uscc and self.uscc_checksum_ok is False:
            return "check_character_mismatch"
        return None


class EnterpriseAlias(db.Model):  # type: ignore[name-defined]
    __tablename__ = "enterprise_aliases"
    __table_args__ = (UniqueConstraint("enterprise_id", "alias"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    alias: Mapped[str] = mapped_column(String(200), index=True)


class Participation(db.Model):  # type: ignore[name-defined]
    __tablename__ = "participations"
    __table_args__ = (UniqueConstraint("campaign_id", "enterprise_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    order_volume: Mapped[int | None] = mapped_column(Integer)  # orders in the campaign
    recommended_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(Text)


class Pledge(db.Model):  # type: ignore[name-defined]
    __tablename__ = "pledges"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("pledge_templates.id"))
    status: Mapped[str] = mapped_column(String(16))
    signatory: Mapped[str | None] = mapped_column(String(64))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    late_signing_reason: Mapped[str | None] = mapped_column(Text)
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    obligations: Mapped[list["Obligation"]] = relationship(
        order_by="Obligation.clause_number", cascade="all, delete-orphan"
    )
    template: Mapped[PledgeTemplate] = relationship()

    @property
    def template_version(self) -> int:
        return self.template.version


class Obligation(db.Model):  # type: ignore[name-defined]
    """One clause of a pledge, so a violation can point at the exact clause."""

    __tablename__ = "obligations"
    __table_args__ = (UniqueConstraint("pledge_id", "clause_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id"), index=True)
    clause_number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


def as_dict(row: Any) -> dict[str, Any]:
    """Plain column values of a row, for audit records."""
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}
