"""Regulator aggregates at scale: p50/p95 per endpoint on a generated festival.

Generates complaints (with categories, SLA clocks and rollup members) straight
into a fresh database in batches, seeded so every run builds the same data: a
13-day window (2021-04-28..05-10) with a first-day peak and the May Day
holiday, Zipf-distributed enterprises (a few platforms draw most complaints),
filers' regions across 31 provinces. Enterprises get realistic names, credit
codes and aliases (the matching benchmark's generator); complaints get
complainants, texts composed from the classification benchmark's phrase
templates, their lifecycle steps as events, enterprises' replies and, for some,
substantiated violations. Rollup grains are then built by the same GROUP BY as
`rollups.rebuild_grains`. Each endpoint is timed as a service call
and through the Flask test client, with varied filters, next to a baseline
that counts from the complaint tables. Target: p95 <= 150 ms.
Run: python -m bench.bench_aggregates --complaints 1000000 --enterprises 10000
"""

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Integer,
    Table,
    func,
    insert,
    select,
    text,
)

from app import create_app
from app.accounts import service as accounts
from app.accounts.access import SYSTEM, Actor
from app.accounts.models import User
from app.accounts.roles import Role
from app.complaints import lifecycle
from app.complaints.models import (
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintMessage,
)
from app.extensions import api, db, insert_rows
from app.oversight import models as oversight_models
from app.oversight import queries, rollups, scorecards
from app.oversight import routes as oversight_routes
from app.pledges.models import Campaign, Enterprise, EnterpriseAlias, Region
from app.rules import service as rules_service
from app.sla.models import ComplaintDeadline
from bench import bench_classify, bench_matching

TARGET_P95_MS = 150.0
SEED = 20210428
BATCH = 20_000
FIRST_DAY = date(2021, 4, 28)
DAYS = 13
DAY_WEIGHTS = [1.8, 1.0, 1.0, 1.1, 1.4, 1.4, 1.3, 1.3, 1.2, 1.0, 0.9, 0.9, 1.1]
PROVINCES = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41]
PROVINCES += [42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65]
CATEGORIES = ["counterfeit", "false_advertising", "price_fraud"]
CATEGORIES += ["price_discrimination", "exclusive_dealing"]
CATEGORY_WEIGHTS = [5, 4, 3, 1, 1]
# status -> (weight, statuses passed on the way, closed?)
PATHS: dict[str, tuple[int, tuple[str, ...], bool]] = {
    "submitted": (5, (), False),
    "rejected": (4, (), True),
    "withdrawn": (3, ("accepted",), True),
    "accepted": (5, (), False),
    "forwarded": (14, ("accepted",), False),
    "responded": (14, ("accepted", "forwarded"), False),
    "resolved": (10, ("accepted", "forwarded", "responded"), False),
    "confirmed": (8, ("accepted", "forwarded", "responded", "resolved"), False),
    "closed": (
        32,
        ("accepted", "forwarded", "responded", "resolved", "confirmed"),
        True,
    ),
    "mediation_terminated": (5, ("accepted", "forwarded", "responded"), True),
}
SH = timedelta(hours=8)


def _progress(label: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.perf_counter() - started, 1e-9)
    sys.stderr.write(f"\r{label}: {done:,}/{total:,} ({rate:,.0f}/s)   ")
    if done >= total:
        sys.stderr.write("\n")


def _regions() -> list[str]:
    rows, cities = [], []
    for p in PROVINCES:
        rows.append({"code": f"{p}0000", "name": f"省{p}", "level": "province"})
        for c in range(1, 5):
            code = f"{p}{c:02d}00"
            rows.append({"code": code, "name": f"市{code}", "level": "city"})
            cities.append(code)
    db.session.execute(insert(Region), rows)
    return cities


def _reference(
    enterprises: int, rnd: random.Random, cities: list[str]
) -> tuple[dict[int, str], dict[int, list[str]]]:
    """Insert the enterprises and the festival; return each enterprise's
    region and the names a complainant may give it (legal name, aliases)."""
    where = {i: rnd.choice(cities) for i in range(1, enterprises + 1)}
    # Names, credit codes and aliases as the matching benchmark makes them
    # (its own seeded generator, so the figures' random stream is unchanged).
    named = bench_matching.generate(enterprises, seed=SEED)
    db.session.execute(
        insert(Enterprise),
        [
            {
                "legal_name": c.legal_name,
                "uscc": c.uscc,
                "uscc_checksum_ok": True if c.uscc else None,
                "kind": "platform_merchant",
                "region_code": where[c.enterprise_id],
            }
            for c in named
        ],
    )
    db.session.execute(
        insert(EnterpriseAlias),
        [
            {"enterprise_id": c.enterprise_id, "alias": alias}
            for c in named
            for alias in c.aliases
        ],
    )
    festival = {
        "code": "bench-2021",
        "name": "基准双品网购节",
        "organisers": [],
        "starts_at": datetime(2021, 4, 27, 16, tzinfo=UTC),
        "ends_at": datetime(2021, 5, 10, 16, tzinfo=UTC),
        "scope": "national",
        "default_region_cap": 5,
    }
    db.session.execute(insert(Campaign), [festival])
    _clock_parent()
    return where, {c.enterprise_id: [c.legal_name, *c.aliases] for c in named}


def _complaints(
    total: int,
    enterprise_regions: dict[int, str],
    cities: list[str],
    rnd: random.Random,
    real: "_Realism",
) -> Iterator[tuple[list[dict[str, Any]], ...]]:
    enterprise_ids = list(enterprise_regions)
    zipf = [1 / rank for rank in range(1, len(enterprise_ids) + 1)]
    cum_ent = list(_cumulative(zipf))
    city_w = list(_cumulative([1 / (1 + i % 17) for i in range(len(cities))]))
    day_w = list(_cumulative(DAY_WEIGHTS))
    statuses = list(PATHS)
    cum_status = list(_cumulative([PATHS[s][0] for s in statuses]))
    now = datetime(2021, 6, 1, tzinfo=UTC)
    for start in range(0, total, BATCH):
        n = min(BATCH, total - start)
        ents = rnd.choices(enterprise_ids, cum_weights=cum_ent, k=n)
        regions = rnd.choices(cities, cum_weights=city_w, k=n)
        days = rnd.choices(range(DAYS), cum_weights=day_w, k=n)
        sts = rnd.choices(statuses, cum_weights=cum_status, k=n)
        complaints, categories, clocks, members = [], [], [], []
        events: list[dict[str, Any]] = []
        messages: list[dict[str, Any]] = []
        violations: list[dict[str, Any]] = []
        for i in range(n):
            cid = start + i + 1
            local = datetime.combine(
                FIRST_DAY + timedelta(days[i]), datetime.min.time()
            )
            received = (local - SH).replace(tzinfo=UTC) + timedelta(
                seconds=rnd.randrange(86_400)
            )
            status = sts[i]
            _w, path, closed = PATHS[status]
            closed_at = (
                received + timedelta(hours=rnd.randint(20, 480)) if closed else None
            )
            rated = status in ("confirmed", "closed") and rnd.random() < 0.9
            ratings = tuple(rnd.randint(1, 5) if rated else None for _ in range(3))
            roll = rnd.random()
            labels = (
                []
                if roll < 0.55
                else rnd.choices(CATEGORIES, CATEGORY_WEIGHTS, k=1 if roll < 0.9 else 2)
            )
            labels = sorted(set(labels))
            campaign = 1 if rnd.random() < 0.85 else None
            forwarded = (
                received + timedelta(hours=6)
                if "forwarded" in path or status == "forwarded"
                else None
            )
            steps = real.history(cid, status, path, received, forwarded, closed_at)
            events += steps
            messages += real.responses(cid, steps)
            violations += real.violations(
                cid, ents[i], campaign, labels, status, received, closed_at
            )
            complaints.append(
                {
                    "id": cid,
                    "number": f"TS-{cid:012d}",
                    "status": status,
                    "channel": "web",
                    "received_at": received,
                    "version": 1,
                    "on_behalf": True,
                    **real.complainant(),
                    "enterprise_id": ents[i],
                    "enterprise_name_given": real.name_given(ents[i]),
                    "match_method": "exact",
                    "match_confidence": 1.0,
                    "match_candidates": [],
                    "needs_matching": False,
                    "region_code": regions[i],
                    "request_type": "refund",
                    "facts": real.facts(labels),
                    "campaign_id": campaign,
                    "labels": labels,
                    "forwarded_at": forwarded,
                    "closed_at": closed_at,
                    "rating_satisfaction": ratings[0],
                    "rating_attitude": ratings[1],
                    "rating_speed": ratings[2],
                    "updated_at": now,
                }
            )
            categories += [{"complaint_id": cid, "category": c} for c in labels]
            own: list[tuple[str, str, str | None]] = []
            if forwarded is not None:
                state = rnd.choices(["met", "met_late", "breached"], [80, 12, 8])[0]
                state = state if status != "forwarded" or state != "met" else "breached"
                outcome = "done" if state != "breached" else None
                own.append(("first_response", state, outcome))
                clocks.append(_clock(cid, forwarded, state, outcome, now))
            members.append(
                rollups.contribution(
                    complaint_id=cid,
                    received_at=received,
                    campaign_id=campaign,
                    region_code=regions[i],
                    enterprise_id=ents[i],
                    enterprise_region=enterprise_regions[ents[i]],
                    status=status,
                    history=("submitted", *path),
                    closed_at=closed_at,
                    ratings=ratings,  # type: ignore[arg-type]
                    categories=labels,
                    clocks=own,
                )
            )
        yield complaints, categories, clocks, members, events, messages, violations


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鑫宇浩然"
STREETS = [
    "人民路",
    "建设路",
    "中山路",
    "解放路",
    "文化路",
    "和平路",
    "花园路",
    "金水路",
]
# The step that leads to each status, and the reason codes it needs.
ACTIONS = {
    "accepted": "accept",
    "rejected": "reject",
    "forwarded": "forward",
    "responded": "respond",
    "resolved": "resolve",
    "confirmed": "confirm",
    "closed": "close",
    "withdrawn": "withdraw",
    "mediation_terminated": "terminate_mediation",
}
REASONS = {
    "rejected": [str(r) for r in lifecycle.RejectReason],
    "mediation_terminated": [str(r) for r in lifecycle.TerminationReason],
}
RESPONSES = [
    "您好，已核实订单情况，同意全额退款，款项将原路退回。",
    "非常抱歉给您带来不便，已为您补发新品，请注意查收。",
    "经核查商品确有质量问题，同意退货退款并承担运费。",
    "已联系仓库加急处理，预计三个工作日内发货，并补偿优惠券。",
]


class _Realism:
    """What the aggregates do not read but a real festival has: names, phone
    numbers, texts composed from the classification benchmark's phrase
    templates (a text with the complaint's labels where one exists), lifecycle
    steps, enterprises' replies and substantiated violations. It draws from its
    own seeded stream, so the counted figures are the same with or without it.
    """

    def __init__(self, seed: int, enterprises: dict[int, list[str]]) -> None:
        self.rnd = random.Random(seed + 1)
        self.names = enterprises
        self.texts: dict[tuple[str, ...], list[str]] = {}
        self.all_texts = bench_classify.generate(2_000, seed=seed)
        for text_ in self.all_texts:
            labels = tuple(sorted(rules_service.classify_text(text_).labels))
            self.texts.setdefault(labels, []).append(text_)

    def complainant(self) -> dict[str, str]:
        r = self.rnd
        return {
            "complainant_name": r.choice(SURNAMES) + r.choice(GIVEN) + r.choice(GIVEN),
            "complainant_phone": f"1{r.choice('3456789')}{r.randrange(10**9):09d}",
            "complainant_address": f"{r.choice(STREETS)}{r.randint(1, 300)}号",
        }

    def name_given(self, enterprise_id: int) -> str:
        return self.rnd.choice(self.names[enterprise_id])

    def facts(self, labels: list[str]) -> str:
        return self.rnd.choice(self.texts.get(tuple(labels)) or self.all_texts)

    def history(
        self,
        cid: int,
        status: str,
        path: tuple[str, ...],
        received: datetime,
        forwarded: datetime | None,
        closed_at: datetime | None,
    ) -> list[dict[str, Any]]:
        steps = [_step(cid, received, "file", None, "submitted", None)]
        at, before = received, "submitted"
        for to in [*path, status] if status != "submitted" else []:
            # Steps fall between the instants the complaint row records: the
            # forwarding instant and, for a closed complaint, its closing one.
            if to == "forwarded" and forwarded is not None:
                at = forwarded
            elif to == status and closed_at is not None:
                at = closed_at
            else:
                until = forwarded if forwarded and forwarded > at else closed_at
                if until is not None and until > at:
                    at += (until - at) * self.rnd.uniform(0.1, 0.5)
                else:
                    at += timedelta(hours=self.rnd.uniform(1, 48))
            reasons = REASONS.get(to)
            reason = self.rnd.choice(reasons) if reasons else None
            steps.append(_step(cid, at, ACTIONS[to], before, to, reason))
            before = to
        return steps

    def responses(self, cid: int, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                "complaint_id": cid,
                "at": step["at"],
                "user_id": None,
                "role": "enterprise",
                "kind": "message",
                "body": self.rnd.choice(RESPONSES),
                "refund_amount": None,
                "compensation_amount": None,
                "replacement": None,
            }
            for step in steps
            if step["to_status"] == "responded"
        ]

    def violations(
        self,
        cid: int,
        enterprise_id: int,
        campaign_id: int | None,
        labels: list[str],
        status: str,
        received: datetime,
        closed_at: datetime | None,
    ) -> list[dict[str, Any]]:
        # Some labelled complaints that ran their course are substantiated.
        if not labels or status not in ("closed", "confirmed", "resolved"):
            return []
        if self.rnd.random() >= 0.1:
            return []
        table: Table = oversight_models.Violation.__table__
        row: dict[str, Any] = {
            "complaint_id": cid,
            "enterprise_id": enterprise_id,
            "campaign_id": campaign_id,
            "pledge_id": None,
            "category": labels[0],
            "severity": 2,
            "conduct_date": (received + SH).date(),
            "legal_basis": [],
            "status": "active",
            "note": None,
            "substantiated_at": (closed_at or received) + timedelta(days=1),
            "substantiated_by": None,
            "withdrawn_at": None,
        }
        return [_fill(table, row)]


def _step(
    cid: int,
    at: datetime,
    action: str,
    before: str | None,
    to: str,
    reason: str | None,
) -> dict[str, Any]:
    return {
        "complaint_id": cid,
        "at": at,
        "user_id": None,
        "role": "system",
        "action": action,
        "from_status": before,
        "to_status": to,
        "reason": reason,
        "note": None,
    }


def _clock(
    cid: int, started: datetime, state: str, outcome: str | None, now: datetime
) -> dict[str, Any]:
    due = started + timedelta(days=2)
    done = {"met": due - timedelta(hours=20), "met_late": due + timedelta(hours=9)}
    table: Table = ComplaintDeadline.__table__  # type: ignore[assignment]
    row = {
        **_CLOCK_TEMPLATE,
        "complaint_id": cid,
        "target": "first_response",
        "started_at": started,
        "due_at": due,
        "at_risk_at": due - timedelta(hours=8),
        "state": state,
        "completed_at": done.get(state),
        "outcome": outcome,
        "pause_count": 0,
        "updated_at": now,
    }
    return _fill(table, {k: v for k, v in row.items() if k in table.c})


def _dummy(column: Any) -> Any:
    if isinstance(column.type, JSON):
        return {}
    if isinstance(column.type, DateTime):
        return datetime(2021, 6, 1, tzinfo=UTC)
    if isinstance(column.type, Boolean):
        return False
    return 0 if isinstance(column.type, Integer) else "bench"


def _fill(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """Give every required column without a default a placeholder value."""
    row = dict(values)
    for col in table.columns:
        optional = col.nullable or col.default is not None or col.primary_key
        if col.name not in row and not optional:
            row[col.name] = _dummy(col)
    return row


def _clock_parent() -> None:
    # Clocks point at the SLA policy they started with; one stands in for all.
    table: Table = ComplaintDeadline.__table__  # type: ignore[assignment]
    for col in table.columns:
        for fk in col.foreign_keys:
            parent = fk.column.table
            if parent.name != "complaints":
                key = {
                    fk.column.name: "bench"
                    if not isinstance(fk.column.type, Integer)
                    else 1
                }
                db.session.execute(insert(parent), [_fill(parent, key)])
                _CLOCK_TEMPLATE[col.name] = key[fk.column.name]


_CLOCK_TEMPLATE: dict[str, Any] = {}


def _cumulative(weights: list[float]) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


def generate(complaints: int, enterprises: int, seed: int = SEED) -> dict[str, Any]:
    """Fill the (empty) database; return row counts and seconds taken."""
    rnd = random.Random(seed)
    started = time.perf_counter()
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA synchronous=OFF"))
    cities = _regions()
    enterprise_regions, given = _reference(enterprises, rnd, cities)
    real = _Realism(seed, given)
    tables = (
        Complaint,
        ComplaintCategory,
        ComplaintDeadline,
        oversight_models.RollupMember,
        ComplaintEvent,
        ComplaintMessage,
        oversight_models.Violation,
    )
    counts = dict.fromkeys((t.__tablename__ for t in tables), 0)
    done = 0
    for batch in _complaints(complaints, enterprise_regions, cities, rnd, real):
        for model, rows in zip(tables, batch, strict=True):
            if rows:
                insert_rows(model.__table__, rows)
                counts[model.__tablename__] += len(rows)
        db.session.commit()
        done += len(batch[0])
        _progress("complaints", done, complaints, started)
    grains_started = time.perf_counter()
    rollups.rebuild_grains()
    rollups.set_mark(rollups.SLA_STATE, datetime(2021, 6, 1, tzinfo=UTC))
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
    db.session.commit()
    counts.update(_row_counts())
    return {
        "rows": counts,
        "generation_seconds": round(time.perf_counter() - started, 1),
        "grain_seconds": round(time.perf_counter() - grains_started, 1),
    }


def _row_counts() -> dict[str, int]:
    tables = [Complaint.__table__, oversight_models.RollupMember.__table__]
    tables += [table for table, _dims in oversight_models.GRAINS.values()]
    return {
        t.name: db.session.scalar(select(func.count()).select_from(t)) or 0
        for t in tables
    }


def _warm() -> None:
    # A serving database stays in the page cache; read the rollups once so the
    # timings measure queries rather than a cold disk after generation.
    for table, _dims in oversight_models.GRAINS.values():
        db.session.execute(select(func.sum(table.c.received))).all()
    member = oversight_models.RollupMember
    db.session.execute(select(func.sum(member.handled_seconds))).all()


def _timed(fn: Callable[[], Any], calls: int) -> dict[str, float]:
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "calls": calls,
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 2),
        "max_ms": round(times[-1], 2),
    }


def _filters(rnd: random.Random, enterprises: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rnd.random() < 0.5:
        first = rnd.randrange(DAYS)
        out["date_from"] = FIRST_DAY + timedelta(first)
        out["date_to"] = FIRST_DAY + timedelta(rnd.randrange(first, DAYS))
    if rnd.random() < 0.4:
        out["campaign_id"] = 1
    if rnd.random() < 0.3:
        out["category"] = rnd.choice(CATEGORIES)
    if rnd.random() < 0.3:
        out["region_code"] = f"{rnd.choice(PROVINCES)}0000"
    if rnd.random() < 0.15:
        out["enterprise_id"] = rnd.randint(1, enterprises)
    return out


def _query(filters: dict[str, Any], **extra: Any) -> str:
    params = {**{k: str(v) for k, v in filters.items()}, **extra}
    return "&".join(f"{k}={v}" for k, v in params.items())


ENDPOINTS: dict[str, tuple[Callable[..., Any], str, dict[str, Any]]] = {
    "counts_by_category": (
        queries.counts,
        "/api/v1/aggregates/counts",
        {"group_by": ["category"], "limit": 1000},
    ),
    "counts_by_day_region": (
        queries.counts,
        "/api/v1/aggregates/counts",
        {"group_by": ["day", "region"], "limit": 1000, "region_level": "province"},
    ),
    "counts_by_campaign_category_day": (
        queries.counts,
        "/api/v1/aggregates/counts",
        {"group_by": ["campaign", "category", "day"], "limit": 1000},
    ),
    "counts_by_enterprise": (
        queries.counts,
        "/api/v1/aggregates/counts",
        {"group_by": ["enterprise"], "limit": 100},
    ),
    "top_enterprises": (
        queries.top_enterprises,
        "/api/v1/aggregates/top-enterprises",
        {"limit": 10, "order_by": "received"},
    ),
    "sla_by_region": (
        queries.sla,
        "/api/v1/aggregates/sla",
        {"group_by": ["region"], "limit": 1000},
    ),
    "trend_by_day": (queries.trend, "/api/v1/aggregates/trend", {"interval": "day"}),
}


def _http_args(kwargs: dict[str, Any]) -> dict[str, str]:
    return {
        k: ",".join(v) if isinstance(v, list) else str(v) for k, v in kwargs.items()
    }


def _service_call(
    fn: Callable[..., Any], actor: Actor, kwargs: dict[str, Any], plans: list[Any]
) -> Callable[[], Any]:
    it = iter(plans)
    return lambda: fn(actor, filters=next(it), **kwargs)


def _http_call(
    client: Any,
    url: str,
    kwargs: dict[str, Any],
    headers: dict[str, str],
    plans: list[Any],
) -> Callable[[], Any]:
    it, extra = iter(plans), _http_args(kwargs)

    def call() -> None:
        resp = client.get(f"{url}?{_query(next(it), **extra)}", headers=headers)
        assert resp.status_code == 200, resp.get_json()

    return call


def measure(
    client: Any,
    actors: dict[str, tuple[Actor, dict[str, str]]],
    enterprises: int,
    calls: int,
    seed: int,
) -> dict[str, Any]:
    """Time each endpoint per actor, as a service call and over HTTP."""
    rnd = random.Random(seed + 1)
    results: dict[str, Any] = {}
    for name, (fn, url, kwargs) in ENDPOINTS.items():
        for who, (actor, headers) in actors.items():
            plans = [_filters(rnd, enterprises) for _ in range(calls)]
            if "enterprise" in name:
                plans = [
                    {k: v for k, v in p.items() if k != "enterprise_id"} for p in plans
                ]
            results[f"{name}[{who}]"] = {
                "service": _timed(_service_call(fn, actor, kwargs, plans), calls),
                "http": _timed(_http_call(client, url, kwargs, headers, plans), calls),
            }
    # The largest enterprise (id 1 draws the most complaints) is timed too.
    ids = [rnd.randint(1, enterprises) for _ in range(calls)] + [1] * 5
    national, headers = actors["national"]
    cards, pages = iter(ids), iter(ids)
    results["scorecard[national]"] = {
        "service": _timed(
            lambda: scorecards.scorecard(national, next(cards)), len(ids)
        ),
        "http": _timed(
            lambda: client.get(
                f"/api/v1/enterprises/{next(pages)}/scorecard", headers=headers
            ),
            len(ids),
        ),
    }
    return results


def baseline(calls: int) -> dict[str, Any]:
    """The same questions asked of the complaint tables, without rollups."""
    cc, c = ComplaintCategory, Complaint
    by_category = (
        select(cc.category, func.count())
        .join(c, c.id == cc.complaint_id)
        .where(c.received_at >= datetime(2021, 4, 30, tzinfo=UTC))
        .group_by(cc.category)
    )
    by_enterprise = (
        select(c.enterprise_id, func.count())
        .group_by(c.enterprise_id)
        .order_by(func.count().desc())
        .limit(10)
    )
    return {
        "count_all": _timed(
            lambda: db.session.scalar(select(func.count()).select_from(c)), calls
        ),
        "group_by_category_raw": _timed(
            lambda: db.session.execute(by_category).all(), calls
        ),
        "top_enterprises_raw": _timed(
            lambda: db.session.execute(by_enterprise).all(), calls
        ),
    }


def _users() -> dict[str, tuple[Actor, dict[str, str]]]:
    out = {}
    for who, role, region in (
        ("national", Role.NATIONAL_REGULATOR, None),
        ("regional", Role.REGIONAL_REGULATOR, "410000"),
    ):
        user = db.session.scalar(select(User).where(User.email == f"{who}@bench.cn"))
        if user is None:
            org = accounts.create_organisation(
                SYSTEM, kind="authority", name=f"基准{who}", region_code=region
            )
            user = accounts.create_user(
                SYSTEM,
                data={
                    "email": f"{who}@bench.cn",
                    "role": role,
                    "org": org.id,
                    "password": None,
                },
            )
        token = accounts.create_token(SYSTEM, user, name="bench")[1]
        out[who] = (
            Actor(
                user.id, role, organisation_id=user.organisation_id, region_code=region
            ),
            {"Authorization": f"Bearer {token}"},
        )
    return out


def run(
    complaints: int,
    enterprises: int,
    *,
    database_url: str | None = None,
    calls: int = 50,
    seed: int = SEED,
    reuse: bool = False,
) -> dict[str, Any]:
    """Generate the data, time every aggregate endpoint, return the figures.

    `reuse` times an existing benchmark database again without regenerating it.
    """
    workdir = None
    if database_url is None:
        workdir = tempfile.mkdtemp(prefix="bench-aggregates-")
        database_url = "sqlite:///" + str(Path(workdir) / "bench.sqlite3")
    app = create_app(
        {"DATABASE_URL": database_url, "TESTING": True, "RATELIMIT_ENABLED": False}
    )
    if "oversight" not in app.blueprints:
        api.register_blueprint(oversight_routes.bp)
    with app.app_context():
        if reuse:
            built = {"rows": _row_counts(), "generation_seconds": None}
        else:
            db.drop_all()
            db.create_all()
            built = generate(complaints, enterprises, seed)
        actors = _users()
        client = app.test_client()
        queries.rules.list_packs()  # compile the rule packs before timing
        _warm()
        timings = measure(client, actors, enterprises, calls, seed)
        base = baseline(max(5, calls // 10))
        db.session.remove()
        db.engine.dispose()
    worst = max(
        max(t["service"]["p95_ms"], t["http"]["p95_ms"]) for t in timings.values()
    )
    ratio = base["group_by_category_raw"]["p50_ms"] / max(
        timings["counts_by_category[national]"]["service"]["p50_ms"], 1e-6
    )
    return {
        "complaints": complaints,
        "enterprises": enterprises,
        "database": database_url.split(":", 1)[0],
        **built,
        "endpoints": timings,
        "baseline": base,
        "speedup_counts_by_category_vs_raw_group_by": round(ratio, 1),
        "worst_p95_ms": worst,
        "target_p95_ms": TARGET_P95_MS,
        "within_target": worst <= TARGET_P95_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument(
        "--database-url", default=None, help="default: a fresh SQLite file"
    )
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time an existing benchmark database (--database-url) again",
    )
    args = parser.parse_args()
    result = run(
        args.complaints,
        args.enterprises,
        database_url=args.database_url,
        calls=args.calls,
        seed=args.seed,
        reuse=args.reuse,
    )
    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return
    _print(result)


def _print(result: dict[str, Any]) -> None:
    print(
        f"{result['complaints']:,} complaints, {result['enterprises']:,} enterprises "
        f"on {result['database']}; generated in {result['generation_seconds']} s"
    )
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in result["rows"].items()))
    heads = ("svc p50", "svc p95", "http p50", "http p95")
    print(f"{'endpoint (ms)':44} " + " ".join(f"{h:>9}" for h in heads))
    for name, t in result["endpoints"].items():
        s, h = t["service"], t["http"]
        print(
            f"{name:44} {s['p50_ms']:9.1f} {s['p95_ms']:9.1f} "
            f"{h['p50_ms']:9.1f} {h['p95_ms']:9.1f}"
        )
    for name, t in result["baseline"].items():
        print(f"baseline {name:35} {t['p50_ms']:9.1f} {t['p95_ms']:9.1f}")
    ratio = result["speedup_counts_by_category_vs_raw_group_by"]
    print(f"raw GROUP BY / rollup (counts by category, p50): {ratio}x")
    verdict = "OK" if result["within_target"] else "OVER TARGET"
    worst = result["worst_p95_ms"]
    print(f"worst p95 {worst:.1f} ms (target {TARGET_P95_MS:.0f} ms): {verdict}")


if __name__ == "__main__":
    main()
