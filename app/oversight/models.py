"""Oversight tables: violations, contests, offender policy and flags, rollups.

A violation is one substantiated category on one complaint; the clauses it
breaches sit in `violation_clauses`. Flags keep the evidence they were raised
on, so a cleared flag can tell new evidence from old. Rollup tables hold sums
per grain, kept in step with `rollup_members` (one row per complaint: what that
complaint currently contributes), so aggregates never scan the complaints.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.db_types import UTCDateTime
from app.extensions import db


class Violation(db.Model):  # type: ignore[name-defined]
    __tablename__ = "violations"
    __table_args__ = (
        # One live finding per complaint and category; withdrawn ones stay.
        Index(
            "ux_violations_active",
            "complaint_id",
            "category",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_violations_enterprise_status", "enterprise_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id"), index=True
    )
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id"))
    category: Mapped[str] = mapped_column(String(64), index=True)
    severity: Mapped[int] = mapped_column(Integer)
    conduct_date: Mapped[date] = mapped_column(Date)
    # The provisions in force on conduct_date, as cited (law, article, dates).
    legal_basis: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # active | withdrawn
    note: Mapped[str | None] = mapped_column(Text)
    substantiated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    substantiated_by: Mapped[int | None] = mapped_column(Integer)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by: Mapped[int | None] = mapped_column(Integer)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    clauses: Mapped[list["ViolationClause"]] = relationship(
        order_by="ViolationClause.clause_number", cascade="all, delete-orphan"
    )


class ViolationClause(db.Model):  # type: ignore[name-defined]
    """A pledge clause the violation breaches; no obligation when no pledge."""

    __tablename__ = "violation_clauses"
    violation_id: Mapped[int] = mapped_column(
        ForeignKey("violations.id"), primary_key=True
    )
    clause_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    obligation_id: Mapped[int | None] = mapped_column(ForeignKey("obligations.id"))


class Contest(db.Model):  # type: ignore[name-defined]
    """An enterprise disputing one category on a complaint, and the ruling."""

    __tablename__ = "label_contests"
    __table_args__ = (
        Index(
            "ux_label_contests_open",
            "complaint_id",
            "category",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    category: Mapped[str] = mapped_column(String(64))
    # The classifier rules behind the label when contested ("manual" if none).
    rules: Mapped[list[str]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(16), index=True
    )  # open|upheld|overturned
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    filed_by: Mapped[int | None] = mapped_column(Integer)
    ruled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ruled_by: Mapped[int | None] = mapped_column(Integer)
    ruling_reason: Mapped[str | None] = mapped_column(Text)


class OffenderPolicyRow(db.Model):  # type: ignore[name-defined]
    """Overrides of the coded defaults: global (campaign_id NULL) or per campaign."""

    __tablename__ = "offender_policies"
    __table_args__ = (UniqueConstraint("scope"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # "global" or "campaign:<id>": a NULL campaign would not be unique.
    scope: Mapped[str] = mapped_column(String(32))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(Integer)


class OffenderFlag(db.Model):  # type: ignore[name-defined]
    __tablename__ = "offender_flags"
    __table_args__ = (
        Index("ix_offender_flags_key", "enterprise_id", "campaign_id", "rule"),
        Index("ix_offender_flags_status_level", "status", "level"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    rule: Mapped[str] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    rank: Mapped[int] = mapped_column(Integer)  # the level's place on the ladder
    status: Mapped[str] = mapped_column(String(16))  # open|confirmed|cleared|lapsed
    violation_ids: Mapped[list[int]] = mapped_column(JSON)
    complaint_ids: Mapped[list[int]] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    explanation_zh: Mapped[str] = mapped_column(Text)
    explanation_en: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by: Mapped[int | None] = mapped_column(Integer)
    review_reason: Mapped[str | None] = mapped_column(Text)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("offender_flags.id"))


class RollupState(db.Model):  # type: ignore[name-defined]
    """Watermarks of the rollups (e.g. when SLA states were last synced)."""

    __tablename__ = "rollup_state"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


# Counters every rollup row and every member row carries, in this order. Each
# one counts complaints (or sums over them), so a row with received = 0 is empty.
COUNTERS: tuple[str, ...] = (
    "received",
    "valid",
    "replied",
    "completed",
    "closed",
    "handled",
    "handled_seconds",
    "rated",
    "satisfaction_sum",
    "attitude_sum",
    "speed_sum",
    "fr_on_time",
    "fr_late",
    "res_on_time",
    "res_late",
    "acc_on_time",
    "acc_late",
    "med_on_time",
    "med_late",
)
_BIG = {"handled_seconds"}
# Missing dimensions are stored as these sentinels so that unique keys work
# (NULLs never collide in a unique index).
NO_ID = 0
NO_REGION = ""
ALL = "_all"  # the category row counting every complaint once
NONE = "_none"  # complaints with no category


def _counter_columns() -> list[Column[Any]]:
    return [
        Column(name, BigInteger if name in _BIG else Integer, nullable=False)
        for name in COUNTERS
    ]


class RollupMember(db.Model):  # type: ignore[name-defined]
    """What one complaint currently contributes to the rollups."""

    __tablename__ = "rollup_members"
    __table_args__ = (
        Index("ix_rollup_members_enterprise_day", "enterprise_id", "day"),
        Index(
            "ix_rollup_members_enterprise_handled", "enterprise_id", "handled_seconds"
        ),
        Index(
            "ix_rollup_members_ent_campaign_handled",
            "enterprise_id",
            "campaign_id",
            "handled_seconds",
        ),
    )
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id"), primary_key=True, autoincrement=False
    )
    day: Mapped[date] = mapped_column(Date)
    campaign_id: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(6))
    enterprise_id: Mapped[int] = mapped_column(Integer)
    # Where the enterprise is registered: its regulators see this complaint too.
    enterprise_region: Mapped[str] = mapped_column(String(6))
    categories: Mapped[list[str]] = mapped_column(JSON)
    received: Mapped[int] = mapped_column(Integer)
    valid: Mapped[int] = mapped_column(Integer)
    replied: Mapped[int] = mapped_column(Integer)
    completed: Mapped[int] = mapped_column(Integer)
    closed: Mapped[int] = mapped_column(Integer)
    handled: Mapped[int] = mapped_column(Integer)
    # NULL unless handled, so percentile queries can skip the rest by index.
    handled_seconds: Mapped[int | None] = mapped_column(BigInteger)
    rated: Mapped[int] = mapped_column(Integer)
    satisfaction_sum: Mapped[int] = mapped_column(Integer)
    attitude_sum: Mapped[int] = mapped_column(Integer)
    speed_sum: Mapped[int] = mapped_column(Integer)
    fr_on_time: Mapped[int] = mapped_column(Integer)
    fr_late: Mapped[int] = mapped_column(Integer)
    res_on_time: Mapped[int] = mapped_column(Integer)
    res_late: Mapped[int] = mapped_column(Integer)
    acc_on_time: Mapped[int] = mapped_column(Integer)
    acc_late: Mapped[int] = mapped_column(Integer)
    med_on_time: Mapped[int] = mapped_column(Integer)
    med_late: Mapped[int] = mapped_column(Integer)


def _dimension(name: str) -> Column[Any]:
    if name == "day":
        return Column("day", Date, nullable=False)
    if name in ("region_code", "scope_code"):
        return Column(name, String(6), nullable=False)
    if name == "category":
        return Column("category", String(64), nullable=False)
    return Column(name, Integer, nullable=False)


def _grain(
    name: str, dims: tuple[str, ...], key: tuple[str, ...], *indexes: tuple[str, ...]
) -> Table:
    # `key` orders the unique index: category first (every query fixes it),
    # then the most selective filter, so that index also serves the reads.
    assert set(key) == set(dims), name
    return Table(
        name,
        db.metadata,
        Column("id", Integer, primary_key=True),
        *(_dimension(d) for d in dims),
        *_counter_columns(),
        UniqueConstraint(*key, name=f"uq_{name}_key"),
        *(Index(f"ix_{name}_{n}", *cols) for n, cols in enumerate(indexes, 1)),
    )


# Grains from the smallest to the largest; a query reads the first grain that
# has every dimension it filters or groups on (see queries.pick_grain). The
# scope grains serve regional regulators only.
_DAY_REGION = ("day", "campaign_id", "region_code", "category")
_ENTERPRISE = ("campaign_id", "enterprise_id", "category")
_DAY_ENTERPRISE = ("day", "campaign_id", "enterprise_id", "category")
_SCOPE_REGION = ("scope_code", *_DAY_REGION)
_SCOPE_ENTERPRISE = ("scope_code", *_DAY_ENTERPRISE)
_FULL = ("day", "campaign_id", "region_code", "enterprise_id", "category")
GRAINS: dict[str, tuple[Table, tuple[str, ...]]] = {
    name: (_grain(name, dims, key, *idx), dims)
    for name, dims, key, idx in (
        (
            "rollup_region_day",
            _DAY_REGION,
            ("category", "day", "campaign_id", "region_code"),
            (),
        ),
        (
            "rollup_enterprise",
            _ENTERPRISE,
            ("category", "campaign_id", "enterprise_id"),
            # Covers ranking enterprises by complaints without a table read.
            (
                ("enterprise_id",),
                ("category", "campaign_id", "enterprise_id", "received"),
            ),
        ),
        (
            "rollup_enterprise_day",
            _DAY_ENTERPRISE,
            ("category", "day", "campaign_id", "enterprise_id"),
            (
                ("enterprise_id", "day"),
                ("category", "day", "campaign_id", "enterprise_id", "received"),
            ),
        ),
        # A regional regulator's share, counted once under every region code
        # whose regulator may see the complaint (see rollups.scope_codes).
        (
            "rollup_scope_region_day",
            _SCOPE_REGION,
            ("scope_code", "category", "day", "campaign_id", "region_code"),
            (),
        ),
        (
            "rollup_scope_enterprise_day",
            _SCOPE_ENTERPRISE,
            ("scope_code", "category", "day", "campaign_id", "enterprise_id"),
            (
                (
                    "scope_code",
                    "category",
                    "day",
                    "campaign_id",
                    "enterprise_id",
                    "received",
                ),
            ),
        ),
        (
            "rollup_full",
            _FULL,
            ("category", "region_code", "day", "campaign_id", "enterprise_id"),
            (("enterprise_id", "day"),),
        ),
    )
}
