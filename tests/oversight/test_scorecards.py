import math
import statistics
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.access import Actor
from app.accounts.roles import Role
from app.clock import utcnow
from app.complaints.models import Complaint
from app.errors import NotFound
from app.extensions import db
from app.oversight import scorecards, service
from app.pledges import service as registry
from app.pledges.models import Participation
from app.sla import sweep
from tests import builders as b
from tests.oversight.builders import (
    NATIONAL,
    association,
    complaint,
    enterprise_actor,
    festival,
    regional,
    steps,
)

SHOP = "某某网店有限公司"


@pytest.fixture
def shop(app):
    b.regions()
    b.region("440000", "广东省")
    return b.enterprise(SHOP, region_code="410100", aliases=("某某网店",))


def nearest_rank(values: list[int], q: int) -> int:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def test_scorecard_agrees_with_a_recount(shop) -> None:
    camp, _pledge = festival(shop)
    part = db.session.scalar(
        select(Participation).where(Participation.campaign_id == camp.id)
    )
    registry.report_order_volume(NATIONAL, part.id, orders=40_000)
    filer = association()
    paths = [
        ("accept", "forward", "respond", "resolve", "confirm", "close"),
        ("accept", "forward", "respond", "resolve", "confirm", "close"),
        ("accept", "forward", "respond", "mark_unresolved", "close"),
        ("accept", "forward", "respond"),
        ("accept", "forward"),
        ("reject",),
        (),
    ]
    made = []
    for i, path in enumerate(paths):
        c = complaint(
            filer, enterprise_name=SHOP, order_no=f"S{i}", purchase_date="2021-05-01"
        )
        steps(c, *path)
        made.append(c)
    outside = complaint(
        filer, enterprise_name=SHOP, order_no="S9", purchase_date="2021-06-20"
    )
    service.substantiate(NATIONAL, made[0].id, categories=["counterfeit"])

    card = scorecards.scorecard(NATIONAL, shop.id, campaign_id=camp.id)

    rows = [db.session.get(Complaint, c.id) for c in made]
    valid = [c for c in rows if c.status not in ("submitted", "rejected")]
    handled = [
        int((c.closed_at - c.received_at).total_seconds())
        for c in valid
        if c.closed_at is not None
    ]
    assert card["complaints_received"] == 7 and card["valid"] == len(valid) == 5
    assert card["replied"] == 4 and card["completed"] == 2
    assert float(card["reply_rate"]) == 0.8 and float(card["completion_rate"]) == 0.4
    hours = card["handling_hours"]
    assert hours["count"] == len(handled) == 3
    assert float(hours["median"]) == round(nearest_rank(handled, 50) / 3600, 1)
    assert float(hours["p90"]) == round(nearest_rank(handled, 90) / 3600, 1)
    assert float(hours["average"]) == round(statistics.mean(handled) / 3600, 1)
    assert float(card["satisfaction"]["mean"]) == 5.0
    assert card["violations_by_category"][0]["count"] == 1
    assert card["order_volume"] == 40_000
    assert float(card["complaints_per_10k_orders"]) == 7 * 10_000 / 40_000
    # Every first response came within its limit.
    assert card["sla"]["first_response"]["on_time"] == 4
    assert float(card["on_time_rate"]) == 1.0

    overall = scorecards.scorecard(NATIONAL, shop.id)
    assert overall["complaints_received"] == 8 and outside.campaign_id is None
    assert [c["campaign_id"] for c in overall["campaigns"]] == [camp.id]
    assert overall["campaigns"][0]["complaints_received"] == 7


def test_late_answers_lower_the_on_time_rate(shop) -> None:
    c = complaint(association(), enterprise_name=SHOP)
    steps(c, "accept", "forward")
    sweep.sweep(utcnow() + timedelta(days=30))
    from app.oversight import rollups

    rollups.sync_sla(utcnow())
    card = scorecards.scorecard(NATIONAL, c.enterprise_id)
    assert card["sla"]["first_response"]["late"] == 1
    assert float(card["on_time_rate"]) == 0.0


def test_an_enterprise_sees_only_its_own_scorecard(shop) -> None:
    other = b.enterprise("别家有限公司", region_code="440000")
    assert (
        scorecards.scorecard(enterprise_actor(shop), shop.id)["enterprise_id"]
        == shop.id
    )
    with pytest.raises(NotFound):
        scorecards.scorecard(enterprise_actor(shop), other.id)
    with pytest.raises(NotFound):
        scorecards.scorecard(regional("410000"), other.id)
    assert scorecards.scorecard(regional("410000"), shop.id)["enterprise_id"] == shop.id
    assoc = Actor(None, Role.ASSOCIATION, organisation_id=1)
    assert scorecards.scorecard(assoc, other.id)["complaints_received"] == 0


def test_scorecard_endpoint(client, cast) -> None:
    url = f"/api/v1/enterprises/{cast.jd_id}/scorecard"
    mine = client.get(url, headers=cast.enterprise)
    assert mine.status_code == 200 and mine.get_json()["as_of"]
    assert client.get(url, headers=cast.other_enterprise).status_code == 404
    assert client.get(url, headers=cast.assoc).status_code == 200
    assert (
        client.get(url + "?campaign_id=999", headers=cast.national).status_code == 404
    )
    assert client.get(url + "?period=1", headers=cast.national).status_code == 422
