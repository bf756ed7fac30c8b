"""Ranking enterprises over a day range equals ranking every enterprise's sum."""

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import insert

from app.extensions import db
from app.oversight import queries
from app.oversight.models import ALL, COUNTERS, GRAINS, NO_REGION
from tests.oversight.builders import NATIONAL

FIRST = date(2021, 4, 28)
DAYS = 10


def _zero() -> dict[str, int]:
    return dict.fromkeys(COUNTERS, 0)


def _festival(seed: int, enterprises: int) -> dict[int, list[tuple[int, int]]]:
    """Write day and all-days rows for skewed enterprises; return (received, valid)."""
    rnd = random.Random(seed)
    by_day: dict[int, list[tuple[int, int]]] = {}
    day_rows, total_rows = [], []
    for ent in range(1, enterprises + 1):
        scale = 400 / ent  # a few large platforms, a long tail
        days = []
        for d in range(DAYS):
            received = int(rnd.random() * scale) + rnd.choice([0, 0, 1, 2])
            valid = rnd.randint(0, received)
            days.append((received, valid))
            if received:
                day_rows.append(
                    {
                        **_zero(),
                        "category": ALL,
                        "day": FIRST + timedelta(d),
                        "campaign_id": 1,
                        "enterprise_id": ent,
                        "received": received,
                        "valid": valid,
                    }
                )
        by_day[ent] = days
        total_rows.append(
            {
                **_zero(),
                "category": ALL,
                "campaign_id": 1,
                "enterprise_id": ent,
                "received": sum(r for r, _ in days),
                "valid": sum(v for _, v in days),
            }
        )
    db.session.execute(insert(GRAINS["rollup_enterprise_day"][0]), day_rows)
    db.session.execute(insert(GRAINS["rollup_enterprise"][0]), total_rows)
    # The data span is read from the region grain: first and last day on record.
    region_rows = [
        {
            **_zero(),
            "category": ALL,
            "day": FIRST + timedelta(d),
            "campaign_id": 1,
            "region_code": NO_REGION,
            "received": 1,
        }
        for d in (0, DAYS - 1)
    ]
    db.session.execute(insert(GRAINS["rollup_region_day"][0]), region_rows)
    return by_day


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("order_by", ["received", "valid"])
def test_day_range_ranking_equals_ranking_every_enterprise(app, seed, order_by) -> None:
    by_day = _festival(seed, enterprises=60)
    rnd = random.Random(seed)
    column = 0 if order_by == "received" else 1
    for _ in range(6):
        lo = rnd.randrange(DAYS)
        hi = rnd.randrange(lo, DAYS)
        if (lo, hi) == (0, DAYS - 1):
            hi -= 1  # keep the day filter (a full span skips the day grain)
        sums = {
            ent: (sum(x[column] for x in days[lo : hi + 1]), days)
            for ent, days in by_day.items()
        }
        expected = sorted(
            (
                (-total, ent)
                for ent, (total, days) in sums.items()
                if sum(r for r, _ in days[lo : hi + 1]) > 0
            )
        )[:8]
        filters = {
            "date_from": FIRST + timedelta(lo),
            "date_to": FIRST + timedelta(hi),
        }
        top = queries.top_enterprises(
            NATIONAL, filters=filters, limit=8, order_by=order_by
        )
        assert [(r["enterprise_id"], r[order_by]) for r in top["rows"]] == [
            (ent, -neg) for neg, ent in expected
        ]
