from datetime import timedelta

import pytest
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.oversight import flags, rollups, service
from app.oversight.models import OffenderFlag
from app.sla import sweep
from tests import builders as b
from tests.oversight.builders import (
    NATIONAL,
    association,
    complaint,
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


def forwarded(n: int, **body) -> list[int]:
    filer = association()
    ids = []
    for i in range(n):
        c = complaint(filer, enterprise_name=SHOP, order_no=f"A{i:04d}", **body)
        steps(c, "accept", "forward")
        ids.append(c.id)
    return ids


def substantiate(ids: list[int], now) -> list[int]:
    return [
        service.substantiate(NATIONAL, cid, categories=["counterfeit"], now=now)[0].id
        for cid in ids
    ]


def active_flags() -> list[OffenderFlag]:
    return list(
        db.session.scalars(
            select(OffenderFlag)
            .where(OffenderFlag.status.in_(["open", "confirmed"]))
            .order_by(OffenderFlag.id)
        )
    )


def test_three_findings_in_a_category_raise_a_naming_flag_with_evidence(shop) -> None:
    now = utcnow()
    ids = forwarded(3)
    found = substantiate(ids[:2], now)
    assert active_flags() == []

    found += substantiate(ids[2:], now)

    (flag,) = active_flags()
    assert (flag.rule, flag.category, flag.level, flag.status) == (
        "category_repeat",
        "counterfeit",
        "naming",
        "open",
    )
    assert flag.violation_ids == found and flag.complaint_ids == ids
    assert "经查实的“假冒伪劣”违法行为 3 起" in flag.explanation_zh
    assert "public naming by the consumer association" in flag.explanation_en
    local = flags.list_flags(regional("410000"), filters={}, page=1, per_page=10)
    far = flags.list_flags(regional("440000"), filters={}, page=1, per_page=10)
    assert [f.id for f in local["items"]] == [flag.id] and far["total"] == 0


def test_a_cleared_flag_stays_cleared_until_new_evidence_arrives(shop) -> None:
    now = utcnow()
    ids = forwarded(4)
    substantiate(ids[:3], now)
    (flag,) = active_flags()
    flags.review_flag(NATIONAL, flag.id, decision="confirm", reason="核实")
    flags.review_flag(NATIONAL, flag.id, decision="clear", reason="企业已整改")
    assert flag.status == "cleared" and flag.review_reason == "企业已整改"

    assert flags.recompute_flags(now + timedelta(hours=1))["raise"] == 0
    assert active_flags() == []

    substantiate(ids[3:], now)

    (again,) = active_flags()
    assert again.supersedes_id == flag.id and len(again.violation_ids) == 4
    with pytest.raises(Exception, match="cannot be"):
        flags.review_flag(NATIONAL, flag.id, decision="clear", reason="x")


def test_flags_lapse_when_a_finding_is_withdrawn_or_the_window_passes(shop) -> None:
    now = utcnow()
    found = substantiate(forwarded(3), now)
    (flag,) = active_flags()
    service.withdraw_violation(NATIONAL, found[0], reason="复核撤销", now=now)
    assert flag.status == "lapsed" and active_flags() == []

    substantiate(forwarded(1, facts="收到的鞋子是假货，鞋标粗糙，商家拒不退款。"), now)
    assert len(active_flags()) == 1
    flags.recompute_flags(now + timedelta(days=91))
    db.session.commit()
    assert active_flags() == []


def test_a_campaign_policy_judges_that_campaigns_conduct_separately(shop) -> None:
    camp, _pledge = festival(shop)
    flags.set_policy(NATIONAL, camp.id, settings={"category_threshold": 2})
    now = utcnow()
    substantiate(forwarded(2, purchase_date="2021-05-02"), now)

    (flag,) = active_flags()
    assert flag.campaign_id == camp.id and flag.rule == "category_repeat"
    assert f"活动（编号 {camp.id}）" in flag.explanation_zh
    view = flags.policy_view(camp.id)
    assert view["overrides"] == {"category_threshold": 2}
    assert view["effective"]["category_threshold"] == 2
    assert flags.policy_view(None)["effective"]["category_threshold"] == 3


def test_a_high_sla_breach_rate_puts_the_enterprise_on_watch(shop) -> None:
    ids = forwarded(10)
    later = utcnow() + timedelta(days=60)
    sweep.sweep(later)  # nobody answered: every first-response clock breaches
    assert rollups.sync_sla(later)["changed"] == 10
    flags.recompute_flags(later)
    db.session.commit()

    (flag,) = active_flags()
    assert (flag.rule, flag.level) == ("sla_breach_rate", "watch")
    assert flag.complaint_ids == ids and flag.violation_ids == []
    assert flag.metrics["late"] == 10 and "100.0%" in flag.explanation_zh


def test_policy_and_flag_endpoints(client, cast) -> None:
    url = "/api/v1/offender-policy"
    assert client.get(url, headers=cast.regional).status_code == 200
    assert client.get(url, headers=cast.enterprise).status_code == 403
    assert (
        client.put(
            url, json={"category_threshold": 2}, headers=cast.regional
        ).status_code
        == 403
    )
    bad = client.put(url, json={"breach_rate": "2"}, headers=cast.admin)
    assert bad.status_code == 422 and "breach_rate" in bad.get_json()["errors"]
    ok = client.put(
        url,
        json={"category_threshold": 1, "severity_weights": {"counterfeit": "2"}},
        headers=cast.admin,
    )
    assert ok.status_code == 200
    assert ok.get_json()["effective"]["category_threshold"] == 1
    assert ok.get_json()["effective"]["severity_weights"]["counterfeit"] == "2"

    c = client.post(
        "/api/v1/complaints", json=b.complaint_body(), headers=cast.assoc
    ).get_json()
    client.post(
        f"/api/v1/complaints/{c['id']}/violations",
        json={"categories": ["counterfeit"]},
        headers=cast.national,
    )
    listed = client.get("/api/v1/flags", headers=cast.national).get_json()
    assert listed["as_of"] and listed["total"] == 1
    flag = listed["items"][0]
    assert flag["level_zh"] == "由消费者协会公开点名" and flag["complaint_ids"] == [
        c["id"]
    ]
    fid = flag["id"]
    # The flagged enterprise (JD) is registered in Beijing, not in Henan.
    assert (
        client.post(
            f"/api/v1/flags/{fid}/confirmation",
            json={"reason": "核实"},
            headers=cast.regional,
        ).status_code
        == 404
    )
    confirmed = client.post(
        f"/api/v1/flags/{fid}/confirmation",
        json={"reason": "核实"},
        headers=cast.national,
    )
    assert (
        confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    )
    cleared = client.post(
        f"/api/v1/flags/{fid}/clearance",
        json={"reason": "已整改"},
        headers=cast.national,
    )
    assert cleared.get_json()["status"] == "cleared"
    assert (
        client.get("/api/v1/flags?status=cleared", headers=cast.national).get_json()[
            "total"
        ]
        == 1
    )
