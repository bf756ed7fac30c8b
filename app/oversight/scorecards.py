"""Enterprise scorecards: the pledge's public figures, per campaign and overall.

Counts, reply and completion rates (over valid complaints), on-time rate of the
enterprise's own clocks (first response, resolution), handling time from receipt
to closing (mean, and median and 90th percentile by nearest rank: observed
values), satisfaction, findings by category, the flag level and, where orders
were reported, complaints per 10,000 orders. Sums come from the rollups.
"""

import math
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select

from app.accounts.access import Actor
from app.accounts.roles import Role
from app.clock import utcnow
from app.extensions import db
from app.oversight import flags, queries, rollups
from app.oversight.models import ALL, COUNTERS, GRAINS, NO_ID, RollupMember, Violation
from app.pledges import service as registry
from app.pledges.models import Campaign, Participation
from app.rules import service as rules

M = RollupMember
PER_ORDERS = 10_000


def _where(enterprise_id: int, campaign_id: int | None) -> list[ColumnElement[bool]]:
    where = [M.enterprise_id == enterprise_id]
    if campaign_id is not None:
        where.append(M.campaign_id == campaign_id)
    return where


def percentile_seconds(
    where: list[ColumnElement[bool]], count: int, q: int
) -> int | None:
    """Return the q-th percentile handling time by nearest rank, read by index."""
    if count <= 0:
        return None
    rank = max(1, math.ceil(q / 100 * count))
    return db.session.scalar(
        select(M.handled_seconds)
        .where(*where, M.handled_seconds.is_not(None))
        .order_by(M.handled_seconds)
        .offset(rank - 1)
        .limit(1)
    )


def _hours(seconds: int | Decimal | None) -> Decimal | None:
    if seconds is None:
        return None
    return (Decimal(seconds) / 3600).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _figures(enterprise_id: int, campaign_id: int | None) -> dict[str, Any]:
    where = _where(enterprise_id, campaign_id)
    # The sums come from the enterprise grain (a few rows); only the
    # percentiles read the members, through an index on handling time.
    grain = GRAINS["rollup_enterprise"][0]
    conditions = [grain.c.enterprise_id == enterprise_id, grain.c.category == ALL]
    if campaign_id is not None:
        conditions.append(grain.c.campaign_id == campaign_id)
    sums = db.session.execute(
        select(*[func.coalesce(func.sum(grain.c[c]), 0) for c in COUNTERS]).where(
            *conditions
        )
    ).one()
    row = dict(zip(COUNTERS, (int(v) for v in sums), strict=True))
    base = queries.figures(row)
    sla = queries.sla_figures(row)
    own = [sla[t] for t in rollups.ENTERPRISE_TARGETS]
    on_time = sum(t["on_time"] for t in own)
    late = sum(t["late"] for t in own)
    handled = row["handled"]
    return {
        "complaints_received": base["received"],
        "valid": base["valid"],
        "replied": base["replied"],
        "completed": base["completed"],
        "reply_rate": base["reply_rate"],
        "completion_rate": base["completion_rate"],
        "on_time": on_time,
        "late": late,
        "on_time_rate": queries._rate(on_time, on_time + late),
        "sla": {t: sla[t] for t in rollups.ENTERPRISE_TARGETS},
        "handling_hours": {
            "count": handled,
            "average": base["avg_handling_hours"],
            "median": _hours(percentile_seconds(where, handled, 50)),
            "p90": _hours(percentile_seconds(where, handled, 90)),
        },
        "satisfaction": {
            "rated": row["rated"],
            "mean": base["satisfaction"],
            "attitude": queries._rate(row["attitude_sum"], row["rated"], 2),
            "speed": queries._rate(row["speed_sum"], row["rated"], 2),
        },
    }


def _violations(enterprise_id: int, campaign_id: int | None) -> list[dict[str, Any]]:
    stmt = (
        select(Violation.category, func.count())
        .where(Violation.enterprise_id == enterprise_id, Violation.status == "active")
        .group_by(Violation.category)
        .order_by(func.count().desc(), Violation.category)
    )
    if campaign_id is not None:
        stmt = stmt.where(Violation.campaign_id == campaign_id)
    packs = {p.category: p for p in rules.list_packs()}
    out = []
    for category, count in db.session.execute(stmt):
        pack = packs.get(category)
        out.append(
            {
                "category": category,
                "name_zh": pack.name_zh if pack else None,
                "name_en": pack.name_en if pack else None,
                "count": count,
            }
        )
    return out


def _per_orders(received: int, orders: int | None) -> Decimal | None:
    if not orders:
        return None
    value = Decimal(received) * PER_ORDERS / orders
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _card(
    enterprise_id: int, campaign_id: int | None, volumes: dict[int, int | None]
) -> dict[str, Any]:
    card = {"campaign_id": campaign_id, **_figures(enterprise_id, campaign_id)}
    violations = _violations(enterprise_id, campaign_id)
    card["violations_by_category"] = violations
    card["violations_total"] = sum(v["count"] for v in violations)
    if campaign_id is not None:
        orders = volumes.get(campaign_id)
        card["order_volume"] = orders
        card["complaints_per_10k_orders"] = _per_orders(
            card["complaints_received"], orders
        )
    else:
        # Only campaigns that reported orders enter the overall ratio.
        with_orders = [c for c in volumes if volumes[c]]
        grain = GRAINS["rollup_enterprise"][0]
        received = db.session.scalar(
            select(func.sum(grain.c.received)).where(
                grain.c.enterprise_id == enterprise_id,
                grain.c.category == ALL,
                grain.c.campaign_id.in_(with_orders),
            )
        )
        orders = sum(volumes[c] or 0 for c in with_orders) or None
        card["order_volume"] = orders
        card["complaints_per_10k_orders"] = _per_orders(received or 0, orders)
    return card


def scorecard(
    actor: Actor,
    enterprise_id: int,
    *,
    campaign_id: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Build an enterprise's scorecard for one campaign, or overall with each campaign.

    Raises:
        NotFound: the enterprise (or campaign) is not visible to the actor.
    """
    as_of = now or utcnow()
    ent = registry.get_enterprise(actor, enterprise_id)
    if campaign_id is not None:
        registry.get_campaign(campaign_id)
    volumes = dict(
        iter(
            db.session.execute(
                select(Participation.campaign_id, Participation.order_volume).where(
                    Participation.enterprise_id == ent.id
                )
            )
        )
    )
    # Enterprises and associations see only levels a regulator has confirmed.
    confirmed_only = actor.role in (Role.ENTERPRISE, Role.ASSOCIATION)
    level = flags.current_level(ent.id, confirmed_only=confirmed_only)
    out: dict[str, Any] = {
        "enterprise_id": ent.id,
        "enterprise_name": ent.legal_name,
        "as_of": as_of,
        "flag_level": None
        if level is None
        else {"level": level.value, "zh": level.zh, "en": level.en},
        **_card(ent.id, campaign_id, volumes),
    }
    if campaign_id is None:
        grain = GRAINS["rollup_enterprise"][0]
        ids = db.session.scalars(
            select(grain.c.campaign_id)
            .where(
                grain.c.enterprise_id == ent.id,
                grain.c.category == ALL,
                grain.c.campaign_id != NO_ID,
                grain.c.received > 0,
            )
            .distinct()
        ).all()
        names = dict(
            iter(
                db.session.execute(
                    select(Campaign.id, Campaign.name).where(
                        Campaign.id.in_(set(ids) | set(volumes))
                    )
                )
            )
        )
        out["campaigns"] = [
            {"campaign_name": names.get(cid), **_card(ent.id, cid, volumes)}
            for cid in sorted(set(ids) | set(volumes))
        ]
    return out
