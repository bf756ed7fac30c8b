"""Campaign reports on the notice's timeline, and the aggregates workbook.

The 2021 notice asks for a first-day report (due 4-29), one up to the end of
the May Day holiday (due 5-4) and a final summary (by 5-11). Each report covers
the campaign's complaints from its first day to the day before the report is
due, capped at the last festival day; a campaign without that milestone uses
the first day, and the campaign's end for the other two. Figures come from the
rollups, scoped to the reader, with an `as_of` stamp.
"""

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import IO, Any

from sqlalchemy import func, or_, select

from app.accounts.access import Actor
from app.clock import utcnow
from app.extensions import db
from app.fields import SHANGHAI
from app.oversight import exports, flags, queries
from app.oversight.models import OffenderFlag, Violation
from app.oversight.service import scoped_violations
from app.pledges import service as registry
from app.pledges.models import Campaign, Participation

CODES = ("first_day", "holiday_end", "final")
NAMES = {
    "first_day": ("首日情况", "First-day report"),
    "holiday_end": ("截至五一假期结束情况", "Report to the end of the May Day holiday"),
    "final": ("全面总结", "Final summary"),
}
TOP = 10


def _last_day(campaign: Campaign) -> date:
    end = campaign.ends_at.astimezone(SHANGHAI)
    # An end at local midnight means the day before was the last festival day.
    return (
        end.date() - timedelta(days=1) if end.time() == end.min.time() else end.date()
    )


def window(campaign: Campaign, code: str) -> dict[str, Any]:
    """Return the report's milestone and the days it covers."""
    first = campaign.starts_at.astimezone(SHANGHAI).date()
    last = _last_day(campaign)
    milestone = next((m for m in campaign.milestones if m.code == code), None)
    if milestone is not None:
        due, name = milestone.due_date, milestone.name
    else:
        due = (
            first + timedelta(days=1)
            if code == "first_day"
            else last + timedelta(days=1)
        )
        name = NAMES[code][0]
    return {
        "code": code,
        "name": name,
        "name_en": NAMES[code][1],
        "due_date": due,
        "milestone_defined": milestone is not None,
        "date_from": first,
        "date_to": max(first, min(due - timedelta(days=1), last)),
    }


def _violations(actor: Actor, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
    stmt = scoped_violations(actor).where(Violation.status == "active")
    if filters.get("campaign_id") is not None:
        stmt = stmt.where(Violation.campaign_id == filters["campaign_id"])
    inner = stmt.subquery()
    rows = db.session.execute(
        select(inner.c.category, func.count())
        .group_by(inner.c.category)
        .order_by(func.count().desc(), inner.c.category)
    )
    return [{"category": cat, "violations": n} for cat, n in rows]


def _flags(actor: Actor, campaign_id: int | None) -> list[dict[str, Any]]:
    stmt = flags.scoped_flags(actor).where(
        OffenderFlag.status.in_(["open", "confirmed"])
    )
    if campaign_id is not None:
        members = select(Participation.enterprise_id).where(
            Participation.campaign_id == campaign_id
        )
        stmt = stmt.where(
            or_(
                OffenderFlag.campaign_id == campaign_id,
                OffenderFlag.enterprise_id.in_(members),
            )
        )
    stmt = stmt.order_by(OffenderFlag.rank.desc(), OffenderFlag.id)
    return [
        {
            "id": f.id,
            "enterprise_id": f.enterprise_id,
            "campaign_id": f.campaign_id,
            "rule": f.rule,
            "category": f.category,
            "level": f.level,
            "status": f.status,
            "violation_ids": f.violation_ids,
            "explanation_zh": f.explanation_zh,
            "explanation_en": f.explanation_en,
        }
        for f in db.session.scalars(stmt.limit(500))
    ]


def overview(actor: Actor, filters: Mapping[str, Any]) -> dict[str, Any]:
    """Gather totals, breakdowns, ranking, SLA, findings and flags for `filters`."""
    counts = queries.counts
    return {
        "as_of": utcnow(),
        "totals": queries.totals(actor, filters=filters),
        "by_category": counts(actor, group_by=["category"], filters=filters, limit=100)[
            "rows"
        ],
        "by_campaign": counts(actor, group_by=["campaign"], filters=filters, limit=100)[
            "rows"
        ],
        "by_region": counts(
            actor,
            group_by=["region"],
            filters=filters,
            limit=100,
            region_level="province",
        )["rows"],
        "by_day": queries.trend(actor, filters=filters, interval="day")["series"],
        "top_enterprises": queries.top_enterprises(
            actor, filters=filters, limit=TOP, order_by="received"
        )["rows"],
        "violations": _violations(actor, filters),
        "flags": _flags(actor, filters.get("campaign_id")),
    }


def campaign_report(
    actor: Actor, campaign_id: int, code: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """Build one of the campaign's reports (first_day, holiday_end or final)."""
    campaign = registry.get_campaign(campaign_id)
    span = window(campaign, code)
    filters = {
        "campaign_id": campaign.id,
        "date_from": span["date_from"],
        "date_to": span["date_to"],
    }
    data = overview(actor, filters)
    data["as_of"] = now or data["as_of"]
    return {
        "campaign": {"id": campaign.id, "code": campaign.code, "name": campaign.name},
        "report": span,
        **data,
    }


_FIGURES = (
    "received",
    "valid",
    "replied",
    "completed",
    "reply_rate",
    "completion_rate",
    "avg_handling_hours",
    "satisfaction",
)


def _table(
    rows: Sequence[Mapping[str, Any]], keys: Sequence[str]
) -> tuple[list[str], list[list[Any]]]:
    return list(keys), [[r.get(k) for k in keys] for r in rows]


def workbook(title: str, data: Mapping[str, Any]) -> IO[bytes]:
    """Lay an overview out as sheets of an XLSX workbook."""
    summary: list[list[Any]] = [["报告 report", title], ["截至 as_of", data["as_of"]]]
    for key in ("date_from", "date_to", "due_date"):
        if key in data.get("report", {}):
            summary.append([key, data["report"][key]])
    summary += [[k, data["totals"][k]] for k in _FIGURES]
    sla_rows = [
        [target, v["on_time"], v["late"], v["on_time_rate"]]
        for target, v in data["totals"]["sla"].items()
    ]
    sheets: list[tuple[str, Sequence[Any], Any]] = [
        ("概要 Summary", ["项目 item", "值 value"], summary),
        ("类别 Categories", *_table(data["by_category"], ["category", *_FIGURES])),
        ("活动 Campaigns", *_table(data["by_campaign"], ["campaign_id", *_FIGURES])),
        ("地区 Regions", *_table(data["by_region"], ["region_code", *_FIGURES])),
        ("每日 Daily", *_table(data["by_day"], ["period", *_FIGURES])),
        (
            "企业 Top enterprises",
            *_table(
                data["top_enterprises"],
                ["enterprise_id", "enterprise_name", *_FIGURES],
            ),
        ),
        ("时限 SLA", ["target", "on_time", "late", "on_time_rate"], sla_rows),
        (
            "违法认定 Violations",
            *_table(data["violations"], ["category", "violations"]),
        ),
        (
            "风险标记 Flags",
            *_table(
                data["flags"],
                ["id", "enterprise_id", "level", "status", "rule", "explanation_zh"],
            ),
        ),
    ]
    return exports.xlsx_file(sheets)
