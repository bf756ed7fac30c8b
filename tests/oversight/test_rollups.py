import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.access import Actor, region_prefix
from app.accounts.roles import Role
from app.complaints import lifecycle
from app.complaints import service as complaints
from app.complaints.models import Complaint, ComplaintCategory, ComplaintEvent
from app.complaints.scoping import scoped
from app.errors import DomainError
from app.extensions import db
from app.fields import SHANGHAI
from app.oversight import queries, rollups
from app.oversight.models import ALL, COUNTERS, GRAINS, NONE, RollupMember
from app.pledges.models import Enterprise
from app.sla import sweep
from app.sla.models import ComplaintDeadline
from tests import builders as b
from tests.oversight.builders import (
    EXCLUSIVE_FACTS,
    NATIONAL,
    association,
    complaint,
    regional,
    steps,
)

NAMES = ["甲一科技有限公司", "乙二科技有限公司", "丙三科技有限公司", "某不知名小店"]
FACTS = [
    "在活动期间购买的耳机收到后发现是假货，做工粗糙，商家拒绝退款。",
    EXCLUSIVE_FACTS,
    "快递一直没有送到，客服也联系不上，希望尽快处理。",
]
ACTIONS = [
    "accept",
    "forward",
    "respond",
    "resolve",
    "confirm",
    "dispute",
    "mark_unresolved",
    "forward_again",
    "close",
    "reject",
    "withdraw",
    "terminate_mediation",
]


@pytest.fixture
def world(app) -> list[int]:
    b.regions()
    b.region("440000", "广东省")
    b.region("440100", "广州市", "city", "440000")
    return [
        b.enterprise(name, region_code=region, aliases=(name[:2],)).id
        for name, region in zip(NAMES[:3], ["410100", "110000", "440100"], strict=True)
    ]


def random_operations(seed: int, enterprise_ids: list[int], n: int = 45) -> None:
    rnd = random.Random(seed)
    filers = [association("410100"), association("440100")]
    ids: list[int] = []
    for _ in range(n):
        op = rnd.choice(["file", "file", "step", "step", "step", "labels", "assign"])
        if op == "file" or not ids:
            c = complaint(
                rnd.choice(filers),
                enterprise_name=rnd.choice(NAMES),
                facts=rnd.choice(FACTS),
                order_no=f"R{len(ids):05d}",
                purchase_date=f"2021-0{rnd.choice([4, 5])}-{rnd.randint(10, 28)}",
            )
            ids.append(c.id)
        elif op == "step":
            c = db.session.get(Complaint, rnd.choice(ids))
            try:
                steps(c, rnd.choice(ACTIONS))
            except DomainError:
                db.session.rollback()
        elif op == "labels":
            labels = rnd.sample(["counterfeit", "price_fraud", "exclusive_dealing"], 2)
            complaints.override_labels(
                NATIONAL,
                rnd.choice(ids),
                labels=labels[: rnd.randint(0, 2)],
                reason="复核",
            )
        else:
            waiting = [i for i in ids if db.session.get(Complaint, i).needs_matching]
            if waiting:
                complaints.assign_enterprise(
                    NATIONAL, waiting[0], enterprise_id=rnd.choice(enterprise_ids)
                )


def recount(dims: tuple[str, ...]) -> dict[tuple, tuple[int, ...]]:
    """Count straight from the complaint tables, by the documented definitions."""
    totals: dict[tuple, Counter] = {}
    clocks: dict[int, list[ComplaintDeadline]] = {}
    for d in db.session.scalars(select(ComplaintDeadline)):
        clocks.setdefault(d.complaint_id, []).append(d)
    regions = dict(
        iter(db.session.execute(select(Enterprise.id, Enterprise.region_code)))
    )
    for c in db.session.scalars(select(Complaint)):
        enterprise_region = regions.get(c.enterprise_id)
        seen = set(
            db.session.scalars(
                select(ComplaintEvent.to_status).where(
                    ComplaintEvent.complaint_id == c.id
                )
            )
        ) | {c.status}
        valid = bool(seen & lifecycle.VALID_STATUSES)
        final = lifecycle.is_final(lifecycle.Status(c.status))
        handled = valid and final and c.closed_at is not None
        row = Counter(
            received=1,
            valid=valid,
            replied=bool(seen & lifecycle.REPLIED_STATUSES),
            completed=bool(seen & lifecycle.COMPLETED_STATUSES),
            closed=final,
            handled=handled,
            handled_seconds=int((c.closed_at - c.received_at).total_seconds())
            if handled
            else 0,
            rated=c.rating_satisfaction is not None,
            satisfaction_sum=c.rating_satisfaction or 0,
            attitude_sum=c.rating_attitude or 0,
            speed_sum=c.rating_speed or 0,
        )
        for d in clocks.get(c.id, []):
            prefix = rollups.TARGET_COLUMNS[d.target][0].split("_")[0]
            row[f"{prefix}_on_time"] += d.state == "met" and d.outcome == "done"
            row[f"{prefix}_late"] += d.state in ("breached", "met_late")
        values = {
            "day": c.received_at.astimezone(SHANGHAI).date(),
            "campaign_id": c.campaign_id or 0,
            "region_code": c.region_code or "",
            "enterprise_id": c.enterprise_id or 0,
        }
        cats = db.session.scalars(
            select(ComplaintCategory.category).where(
                ComplaintCategory.complaint_id == c.id
            )
        ).all()
        # Who may see it: every region code that is a prefix-level of either place.
        places = [c.region_code, enterprise_region]
        codes = {
            code
            for place in places
            if place
            for code in (place[:2] + "0000", place[:4] + "00", place)
        }
        for scope in sorted(codes) if dims[0] == "scope_code" else [None]:
            head = [values[d] for d in dims[:-1] if d != "scope_code"]
            if scope is not None:
                head.insert(0, scope)
            for cat in [ALL, *(cats or [NONE])]:
                totals.setdefault((*head, cat), Counter()).update(row)
    return {k: tuple(int(v[name]) for name in COUNTERS) for k, v in totals.items()}


@pytest.mark.parametrize("seed", [1, 2])
def test_rollups_match_a_full_recount_after_random_operations(world, seed) -> None:
    random_operations(seed, world)
    later = max(c.received_at for c in db.session.scalars(select(Complaint)))
    sweep.sweep(later + timedelta(days=40))  # time-driven breaches, then the sync
    rollups.sync_sla(later + timedelta(days=40))
    db.session.commit()

    incremental = {g: rollups.grain_rows(g) for g in GRAINS}
    for grain, (_table, dims) in GRAINS.items():
        assert incremental[grain] == recount(dims), grain

    rollups.rebuild(now=later)
    db.session.commit()
    assert {g: rollups.grain_rows(g) for g in GRAINS} == incremental


def test_filing_counts_what_a_re_derivation_counts(world) -> None:
    # Filing computes a new complaint's share from memory, not from the tables.
    filed = [complaint(association(), enterprise_name=n) for n in NAMES[:3]]
    ids = [c.id for c in filed]
    m = RollupMember.__table__
    stored = {
        row["complaint_id"]: dict(row)
        for row in db.session.execute(select(m).where(m.c.complaint_id.in_(ids)))
        .mappings()
        .all()
    }
    assert stored == rollups.derive(ids)
    assert rollups.resync(ids) == 0


def test_a_repeated_hook_changes_nothing(world) -> None:
    c = complaint(association(), enterprise_name=NAMES[0])
    before = {g: rollups.grain_rows(g) for g in GRAINS}
    rollups.on_status_changed(c, "submitted", "submitted")
    rollups.on_labels_changed(c.id, c.labels, c.labels)
    assert {g: rollups.grain_rows(g) for g in GRAINS} == before


def scoped_counts(actor: Actor, **where) -> tuple[Counter, Counter]:
    """Received and valid complaints per category, through complaints.scoping."""
    received, valid = Counter(), Counter()
    for c in db.session.scalars(scoped(actor)):
        if where.get("enterprise_id") and c.enterprise_id != where["enterprise_id"]:
            continue
        seen = {e.to_status for e in c.events} | {c.status}
        cats = [
            x.category
            for x in db.session.scalars(
                select(ComplaintCategory).where(ComplaintCategory.complaint_id == c.id)
            )
        ] or [None]
        for cat in cats:
            received[cat] += 1
            valid[cat] += bool(seen & lifecycle.VALID_STATUSES)
    return received, valid


@pytest.mark.parametrize(
    "actor",
    [NATIONAL, regional("410000"), regional("440000"), regional("110000")],
    ids=["national", "henan", "guangdong", "beijing"],
)
def test_aggregates_agree_with_the_scoped_complaint_list(world, actor) -> None:
    random_operations(7, world, n=30)
    result = queries.counts(actor, group_by=["category"], filters={}, limit=100)
    got_received = {r["category"]: r["received"] for r in result["rows"]}
    got_valid = {r["category"]: r["valid"] for r in result["rows"]}
    received, valid = scoped_counts(actor)
    assert got_received == dict(received)
    assert got_valid == dict(valid)
    assert result["as_of"] is not None

    for region in ("410100", "440000", "110000"):
        prefix = region_prefix(region)
        expected = sum(
            1
            for c in db.session.scalars(scoped(actor))
            if (c.region_code or "").startswith(prefix)
        )
        filters = {"region_code": region}
        assert queries.totals(actor, filters=filters)["received"] == expected, region
        top = queries.top_enterprises(actor, filters=filters, limit=5, order_by="valid")
        assert sum(r["received"] for r in top["rows"]) <= expected

    for enterprise_id in world:
        filters = {"enterprise_id": enterprise_id}
        rows = queries.counts(actor, group_by=["category"], filters=filters, limit=100)
        received, _ = scoped_counts(actor, enterprise_id=enterprise_id)
        assert {r["category"]: r["received"] for r in rows["rows"]} == dict(received)


def test_a_regional_regulator_sees_its_regions_share(world) -> None:
    random_operations(3, world, n=30)
    henan = regional("410000")
    top = queries.top_enterprises(henan, filters={}, limit=10, order_by="received")
    visible = {c.enterprise_id for c in db.session.scalars(scoped(henan))} - {None}
    assert {r["enterprise_id"] for r in top["rows"]} <= visible
    national_total = queries.totals(NATIONAL, filters={})["received"]
    henan_total = queries.totals(henan, filters={})["received"]
    assert henan_total == len(db.session.scalars(scoped(henan)).all()) < national_total
    nobody = Actor(None, Role.ASSOCIATION, organisation_id=1)
    assert queries.totals(nobody, filters={})["received"] == 0
