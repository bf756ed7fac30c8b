"""Complaint use cases: file, read, move through the lifecycle, talk, relabel.

Filing matches the enterprise (USCC, alias, fuzzy; unsure matches wait for a
regulator), classifies the facts with the rule packs, assigns the campaign,
numbers the complaint, flags likely duplicates (never drops them) and starts
the SLA clocks, all in one transaction. A retried request with the same
Idempotency-Key returns the original complaint.
"""

import hashlib
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.accounts import audit
from app.accounts.access import SYSTEM as SYSTEM_ACTOR
from app.accounts.access import Actor
from app.accounts.roles import Role
from app.clock import utcnow
from app.complaints import duplicates, lifecycle, matching, numbering
from app.complaints.enums import Channel
from app.complaints.models import (
    Complaint,
    ComplaintCategory,
    ComplaintCounter,
    ComplaintEvent,
    IdempotencyKey,
    LabelOverride,
)
from app.complaints.scoping import scoped
from app.db_types import EncodedJSON, dumps_json
from app.errors import Conflict, Forbidden, Invalid, NotFound, field_error
from app.extensions import conflict_insert, db, dialect_name, insert_rows
from app.fields import SHANGHAI
from app.oversight import rollups
from app.pledges import service as registry
from app.pledges.models import Campaign, Enterprise
from app.rules import service as rules
from app.rules.classification import versions_json
from app.rules.engine import Engine as RuleEngine
from app.sla import service as sla

MAX_AMOUNT = Decimal(
    "10000000"
)  # ten million yuan: above this is a typo, not a purchase
DUPLICATE_WINDOW = timedelta(days=30)

_matcher_lock = threading.Lock()
_matcher_cache: dict[str, Any] = {}


MATCHER_RECHECK_SECONDS = 2.0  # how stale the matcher may be in another process


def matcher() -> matching.MatcherIndex:
    """Return the enterprise matcher, rebuilt when the registry has changed.

    The registry fingerprint is checked at most every couple of seconds, so
    intake does not pay two queries per complaint for a rarely changing table.
    """
    import time

    now = time.monotonic()
    with _matcher_lock:
        fresh = (
            now - _matcher_cache.get("checked", -1e9) < MATCHER_RECHECK_SECONDS
            and _matcher_cache.get("generation") == registry.registry_generation()
        )
        if fresh and "index" in _matcher_cache:
            index: matching.MatcherIndex = _matcher_cache["index"]
            return index
    signature = registry.registry_signature()
    with _matcher_lock:
        if _matcher_cache.get("signature") != signature:
            candidates = [
                matching.Candidate(i, n, u, a)
                for i, n, u, a in registry.matcher_candidates()
            ]
            _matcher_cache["index"] = matching.MatcherIndex.build(candidates)
            _matcher_cache["signature"] = signature
        _matcher_cache["checked"] = now
        _matcher_cache["generation"] = registry.registry_generation()
        built: matching.MatcherIndex = _matcher_cache["index"]
        return built


def _not_found(complaint_id: int | str) -> NotFound:
    return NotFound(
        f"未找到投诉（{complaint_id}）。", f"Complaint {complaint_id} not found."
    )


def get_complaint(actor: Actor, complaint_id: int) -> Complaint:
    """Return a complaint the actor may see (404 otherwise, so ids cannot be probed)."""
    found = db.session.scalar(scoped(actor).where(Complaint.id == complaint_id))
    if found is None:
        raise _not_found(complaint_id)
    return found


# Filing ----------------------------------------------------------------------


def request_fingerprint(data: Mapping[str, Any]) -> str:
    """Hash a request body so a reused Idempotency-Key with another body is caught."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def file_complaint(
    actor: Actor,
    *,
    data: Mapping[str, Any],
    channel: Channel,
    idempotency_key: str | None = None,
    now: datetime | None = None,
    commit: bool = True,
    index: matching.MatcherIndex | None = None,
) -> tuple[Complaint, bool]:
    """File a complaint; return it and whether it was an idempotent replay."""
    now = now or utcnow()
    fingerprint = request_fingerprint(data) if idempotency_key else ""
    if idempotency_key:
        original = _replayed(actor, idempotency_key, fingerprint)
        if original is not None:
            return original, True
    check_business_rules(data, now=now)
    try:
        (filed,) = _insert(
            actor, [data], channel, now, index, (idempotency_key, fingerprint)
        )
        if commit:
            db.session.commit()
    except IntegrityError:
        # A concurrent retry with the same key won the race (at the key's
        # insert or at commit): answer with the complaint it filed.
        db.session.rollback()
        if idempotency_key:
            original = _replayed(actor, idempotency_key, fingerprint)
            if original is not None:
                return original, True
        raise
    complaint = db.session.get(Complaint, filed.id)
    assert complaint is not None  # inserted above
    return complaint, False


def file_many(
    actor: Actor,
    items: Sequence[Mapping[str, Any]],
    *,
    channel: Channel,
    now: datetime,
    index: matching.MatcherIndex | None = None,
    run: "FilingRun | None" = None,
    analyses: Sequence["Analysis"] | None = None,
) -> list["Filed"]:
    """File many complaints in the caller's transaction (bulk import).

    Each complaint goes through the same steps as one filed alone (matching,
    classification, campaign, number, duplicates, event, audit entry, SLA
    clocks, rollups), but every step runs once per batch, not once per row.
    Batches filed one after another in one transaction pass the same `run`
    and call its `finish()` before committing; `analyses` (by `analyse`, e.g.
    in other processes) may come with the items.
    """
    for data in items:
        check_business_rules(data, now=now)
    if not items:
        return []
    return _insert(actor, items, channel, now, index, None, run, analyses)


class Filed:
    """A complaint filed in this transaction, held as the column values written.

    Filing writes its rows with one statement per table rather than through
    ORM objects; the steps after the insert (audit, SLA clocks, rollups) read
    the complaint's attributes from here.
    """

    def __init__(self, values: dict[str, Any]) -> None:
        # The values are the instance's own attributes: reading one is a plain
        # attribute lookup (filing reads ~60 a complaint), and `values` stays
        # the same dict, so a value set either way shows in both.
        self.__dict__ = values

    @property
    def values(self) -> dict[str, Any]:
        return self.__dict__

    def __getattr__(self, name: str) -> Any:  # for type checkers: any column
        raise AttributeError(name)


def _insert(
    actor: Actor,
    items: Sequence[Mapping[str, Any]],
    channel: Channel,
    now: datetime,
    index: matching.MatcherIndex | None,
    idempotency: tuple[str | None, str] | None,
    run: "FilingRun | None" = None,
    analyses: Sequence["Analysis"] | None = None,
) -> list[Filed]:
    own_run = run is None
    run = run or FilingRun()
    if analyses is None:
        index, engine = index or matcher(), rules.get_engine()
        analyses = [
            analyse(data, now=now, index=index, engine=engine) for data in items
        ]
    lookups = run.lookups
    batch = [
        Filed(_build(actor, data, analysis, channel, now, lookups))
        for data, analysis in zip(items, analyses, strict=True)
    ]
    # Everything that only reads comes before the first write: SQLite takes its
    # write lock at the first write and holds it until commit, so the matching,
    # classification and duplicate search of concurrent filings overlap.
    keys = [a.facts_key for a in analyses]
    repeats = _find_duplicates(batch, keys, run)
    numbers = next_numbers(now, len(batch))
    for filed, number in zip(batch, numbers, strict=True):
        filed.values["number"] = number
    for filed, complaint_id in zip(batch, _new_ids(len(batch)), strict=True):
        filed.values["id"] = complaint_id
    rules.store_citations({k: v for a in analyses for k, v in a.citations.items()})
    insert_rows(Complaint.__table__, [f.values for f in batch])
    if idempotency is not None and idempotency[0]:
        # Claimed next to the complaint row, so a racing retry with the same key
        # fails here (unique key) before writing anything else.
        db.session.execute(
            insert(IdempotencyKey.__table__),
            {
                "user_id": actor.user_id or 0,
                "key": idempotency[0],
                "request_hash": idempotency[1],
                "complaint_id": batch[0].id,
                "created_at": now,
            },
        )
    _store_duplicates(batch, repeats)
    run.add(batch, keys)
    categories = [
        {"complaint_id": f.id, "category": label}
        for f in batch
        for label in dict.fromkeys(f.labels)
    ]
    if categories:
        insert_rows(ComplaintCategory.__table__, categories)
    insert_rows(
        ComplaintEvent.__table__,
        [_event_values(f.id, actor, "file", None, f.status, now) for f in batch],
    )
    audit.record_many(
        actor,
        [
            audit.Change(
                "complaint.file",
                "complaint",
                f.id,
                after={
                    "number": f.number,
                    "enterprise_id": f.enterprise_id,
                    "labels": f.labels,
                    "channel": str(channel),
                },
            )
            for f in batch
        ],
        at=now,
    )
    clocks = sla.start_clocks(batch, now=now)
    rollups.on_filed(batch, lookups.regions(), clocks, run.tally)
    if own_run:
        run.finish()
    return batch


def _replayed(actor: Actor, key: str, fingerprint: str) -> Complaint | None:
    row = db.session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == (actor.user_id or 0), IdempotencyKey.key == key
        )
    )
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise Invalid(
            "该 Idempotency-Key 已用于另一份不同的投诉请求。",
            "This Idempotency-Key was already used with a different request body.",
            errors={"Idempotency-Key": ["reused with a different body"]},
            reason="idempotency_key_reused",
        )
    return db.session.get(Complaint, row.complaint_id)


def check_business_rules(data: Mapping[str, Any], *, now: datetime) -> None:
    """Refuse values a schema cannot judge: future purchases, absurd amounts."""
    today = now.astimezone(SHANGHAI).date()
    purchase: date | None = data.get("purchase_date")
    if purchase is not None and purchase > today:
        raise field_error(
            "purchase_date", "购买日期不能晚于今天。", "purchase_date is in the future."
        )
    if purchase is not None and purchase < date(1990, 1, 1):
        raise field_error(
            "purchase_date", "购买日期过早。", "purchase_date is implausibly early."
        )
    amount: Decimal | None = data.get("amount")
    if amount is not None and (amount < 0 or amount > MAX_AMOUNT):
        raise field_error(
            "amount",
            f"涉诉金额须在 0 到 {MAX_AMOUNT} 元之间。",
            f"amount must be between 0 and {MAX_AMOUNT} yuan.",
        )


@dataclass(frozen=True)
class Analysis:
    """What filing reads from a complaint's own words: its enterprise and labels."""

    match: matching.MatchResult
    labels: tuple[str, ...]
    nature: str
    # JSON columns' text, encoded here: an import encodes them in its workers.
    match_candidates: str
    classification: str  # as Classification.to_stored gives it
    citations: dict[str, str]  # what it cites, by key
    pack_versions: str
    facts_key: str  # the facts as the duplicate search compares them


def analyse(
    data: Mapping[str, Any],
    *,
    now: datetime,
    index: matching.MatcherIndex,
    engine: RuleEngine,
) -> Analysis:
    """Match the enterprise and classify the text: no database, any process.

    The purchase date is the conduct date for the law in force (a future one
    was refused by `check_business_rules`).
    """
    match = index.match(data["enterprise_name"], data.get("enterprise_uscc"))
    conduct = data.get("purchase_date") or now.astimezone(SHANGHAI).date()
    result = engine.classify(_classifiable_text(data), conduct)
    stored, citations = result.to_stored()
    return Analysis(
        match=match,
        labels=tuple(result.labels),
        nature=result.nature.code,
        match_candidates=_candidates_json(match.candidates),
        classification=stored,
        citations=citations,
        pack_versions=versions_json(tuple(result.pack_versions.items())),
        facts_key=duplicates.text_key(data["facts"]),
    )


# Complaints name the same few enterprises and packs over and over.
@lru_cache(maxsize=1024)
def _candidates_json(candidates: tuple[matching.ScoredCandidate, ...]) -> str:
    return dumps_json(
        [
            {
                "enterprise_id": c.enterprise_id,
                "legal_name": c.legal_name,
                "score": round(c.score, 4),
                "matched": c.matched,
            }
            for c in candidates
        ]
    )


def _build(
    actor: Actor,
    data: Mapping[str, Any],
    analysis: Analysis,
    channel: Channel,
    now: datetime,
    lookups: "_Lookups",
) -> dict[str, Any]:
    """Return the column values of a new complaint (its number comes later)."""
    match = analysis.match
    enterprise = lookups.enterprise(match.enterprise_id)
    campaign_id, source = lookups.campaign(data, enterprise, now)
    return {
        "number": None,
        "status": str(lifecycle.Status.SUBMITTED),
        "channel": str(channel),
        "received_at": now,
        "version": 1,
        "filer_org_id": actor.organisation_id,
        "filed_by_user_id": actor.user_id,
        "on_behalf": data.get("on_behalf", True),
        "complainant_name": data["complainant_name"],
        "complainant_phone": data["complainant_phone"],
        "complainant_address": data["complainant_address"],
        "complainant_id_number": data.get("complainant_id_number"),
        "enterprise_id": enterprise.id if enterprise else None,
        "enterprise_name_given": data["enterprise_name"],
        "enterprise_uscc_given": data.get("enterprise_uscc"),
        "match_method": str(match.method),
        "match_confidence": round(match.confidence, 4),
        "match_candidates": EncodedJSON(analysis.match_candidates),
        "needs_matching": enterprise is None,
        "region_code": data.get("region_code")
        or actor.region_code
        or (enterprise.region_code if enterprise else None),
        "platform_name": data.get("platform_name"),
        "shop_name": data.get("shop_name"),
        "order_no": data.get("order_no"),
        "purchase_date": data.get("purchase_date"),
        "amount": data.get("amount"),
        "request_type": data["request_type"],
        "request_text": data.get("request_text"),
        "facts": data["facts"],
        "campaign_id": campaign_id,
        "campaign_source": source,
        "labels": analysis.labels,  # a tuple: batches share each one's JSON
        "nature": analysis.nature,
        "classification": EncodedJSON(analysis.classification),
        "pack_versions": EncodedJSON(analysis.pack_versions),
        "duplicate_of_id": None,
        "duplicate_reason": None,
        "duplicate_score": None,
        "forwarded_at": None,
        "first_response_at": None,
        "closed_at": None,
        "rating_attitude": None,
        "rating_speed": None,
        "rating_satisfaction": None,
        "updated_at": now,
    }


class _Lookups:
    """Registry reads shared by the complaints of one batch (held, not re-read)."""

    def __init__(self) -> None:
        self._enterprises: dict[int, Enterprise | None] = {}
        self._campaigns: dict[tuple[Any, ...], tuple[int | None, str | None]] = {}

    def enterprise(self, enterprise_id: int | None) -> Enterprise | None:
        if enterprise_id is None:
            return None
        if enterprise_id not in self._enterprises:
            self._enterprises[enterprise_id] = db.session.get(Enterprise, enterprise_id)
        return self._enterprises[enterprise_id]

    def regions(self) -> dict[int, str | None]:
        """Return the registered region of each enterprise looked up so far."""
        return {i: e.region_code for i, e in self._enterprises.items() if e}

    def campaign(
        self, data: Mapping[str, Any], enterprise: Enterprise | None, now: datetime
    ) -> tuple[int | None, str | None]:
        key = (
            data.get("campaign_id"),
            enterprise.id if enterprise else None,
            data.get("purchase_date"),
        )
        if key not in self._campaigns:
            self._campaigns[key] = _campaign(data, enterprise, now)
        return self._campaigns[key]


def _classifiable_text(data: Mapping[str, Any]) -> str:
    return "\n".join(t for t in (data["facts"], data.get("request_text")) if t)


def _campaign(
    data: Mapping[str, Any], enterprise: Enterprise | None, now: datetime
) -> tuple[int | None, str | None]:
    if data.get("campaign_id") is not None:
        if db.session.get(Campaign, data["campaign_id"]) is None:
            raise field_error(
                "campaign_id",
                "未知的活动。",
                f"Unknown campaign {data['campaign_id']}.",
            )
        return data["campaign_id"], "override"
    when = now
    if data.get("purchase_date") is not None:
        when = datetime.combine(
            data["purchase_date"], datetime.min.time(), SHANGHAI
        ) + timedelta(hours=12)
    found = registry.campaign_for(enterprise.id if enterprise else None, when)
    return (found.id, "auto") if found else (None, None)


def next_numbers(now: datetime, count: int, prefix: str = "TS") -> list[str]:
    """Issue the next `count` numbers of the Shanghai-local day, atomically."""
    if count <= 0:
        return []
    day = now.astimezone(SHANGHAI).date()
    dialect = dialect_name()
    params = {"day": day.strftime("%Y%m%d"), "count": count}
    last = db.session.execute(_counter_statement(dialect), params).scalar_one()
    return numbering.format_numbers(prefix, day, range(last - count + 1, last + 1))


def _new_ids(count: int) -> list[int]:
    """Reserve ids for `count` new complaints, ascending.

    The rows then go in with one executemany: `INSERT ... RETURNING` for many
    rows runs one statement per row on SQLite (no sentinel keeps the returned
    ids in parameter order), several times slower.
    """
    dialect = dialect_name()
    if dialect == "sqlite":
        # Called after the number counter's write: this transaction holds the
        # database's only write lock until it ends, so no other filing can take
        # the ids above the current highest before it commits.
        top = db.session.execute(_id_statements(dialect)).scalar_one()
        return list(range(top + 1, top + count + 1))
    ids = db.session.scalars(_id_statements(dialect), {"count": count}).all()
    return sorted(ids)


@cache
def _id_statements(dialect: str) -> Any:
    if dialect == "sqlite":
        return select(func.coalesce(func.max(Complaint.id), 0))
    sequence = func.pg_get_serial_sequence(Complaint.__tablename__, "id")
    return select(func.nextval(sequence)).select_from(
        func.generate_series(1, bindparam("count"))
    )


@cache
def _counter_statement(dialect: str) -> Any:
    # Built once per dialect: composing the upsert costs more than running it.
    stmt = conflict_insert(ComplaintCounter, dialect).values(
        day=bindparam("day"), seq=bindparam("count")
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["day"], set_={"seq": ComplaintCounter.seq + bindparam("count")}
    )
    return stmt.returning(ComplaintCounter.seq)


def _set_categories(complaint_id: int, labels: list[str]) -> None:
    db.session.execute(
        ComplaintCategory.__table__.delete().where(
            ComplaintCategory.complaint_id == complaint_id
        )
    )
    for label in dict.fromkeys(labels):
        db.session.add(ComplaintCategory(complaint_id=complaint_id, category=label))


DUPLICATE_TEXT_CANDIDATES = 200  # newest same-enterprise complaints compared by text
DUPLICATE_KEY_CANDIDATES = 100  # same-person or same-order complaints per complaint
_DUP_COLUMNS = (
    Complaint.id,
    Complaint.complainant_phone,
    Complaint.enterprise_id,
    Complaint.order_no,
    Complaint.facts,
    Complaint.received_at,
)


# Provisional ids of the batch's complaints while duplicates are searched
# before the insert: above any real id, in batch order, so an earlier member of
# the batch counts as filed before a later one, as if filed one by one.
_PENDING = 1 << 62


class FilingRun:
    """What batches filed one after another in one transaction share.

    One import files its batches in one transaction; what a batch filed is
    the newest on file for the next, so it is kept rather than read back (an
    enterprise is read from the database the first time a batch names it),
    and so are the registry lookups. (On SQLite the import holds the only
    write lock, so nothing else is filed meanwhile; on PostgreSQL a complaint
    filed by someone else during the import is compared by phone and order
    number but not by text.) The rollup counters of the whole run move once,
    in `finish`, which the caller runs before committing.
    """

    def __init__(self) -> None:
        self.newest: dict[int, list[duplicates.DupFacts]] = {}  # newest first
        self.lookups = _Lookups()
        self.tally = rollups.Tally()

    def finish(self) -> None:
        """Apply what the run's batches left to apply; call before committing."""
        self.tally.apply()

    def add(self, batch: Sequence[Filed], keys: Sequence[str]) -> None:
        """Keep a filed batch (with its facts' `keys`) as the newest on file."""
        for f, key in zip(batch, keys, strict=True):
            if f.enterprise_id is not None:
                mine = self.newest.setdefault(f.enterprise_id, [])
                mine.insert(0, _dup_facts(f, f.id, key))
                del mine[DUPLICATE_TEXT_CANDIDATES:]


def _find_duplicates(
    batch: Sequence[Filed], keys: Sequence[str], run: FilingRun
) -> dict[int, duplicates.DuplicateHit]:
    """Return, by position in the batch, the earlier complaint each one repeats.

    Candidate sets are bounded, so filing stays fast however big an
    enterprise grows: complaints by the same phone or with the same order
    number, and the newest complaints against the same enterprise within the
    window. Both duplicate rules need the same enterprise, so every read is
    limited to the batch's enterprises. A hit's `original_id` at or above
    `_PENDING` names an earlier member of the batch.
    """
    named = [f for f in batch if f.enterprise_id is not None]
    if not named:
        return {}
    on_file = _filed_candidates(named, run)
    nobody = _Filed()
    extras = []
    for f in batch:
        kept = on_file.get(f.enterprise_id, nobody)
        extras.append(
            [
                *kept.by_phone.get(f.complainant_phone, ())[:DUPLICATE_KEY_CANDIDATES],
                *kept.by_order.get(f.order_no or "", ())[:DUPLICATE_KEY_CANDIDATES],
            ]
        )
    return duplicates.find_repeats(
        [
            _dup_facts(f, _PENDING + pos, key)
            for pos, (f, key) in enumerate(zip(batch, keys, strict=True))
        ],
        run.newest,
        extras,
        limit=DUPLICATE_TEXT_CANDIDATES,
        window=DUPLICATE_WINDOW,
    )


def _store_duplicates(
    batch: Sequence[Filed], hits: Mapping[int, duplicates.DuplicateHit]
) -> None:
    """Link each repeating complaint of a (now inserted) batch to its original."""
    if not hits:
        return
    links = []
    for pos, hit in sorted(hits.items()):
        original = hit.original_id
        if original >= _PENDING:
            original = batch[original - _PENDING].id
        values = {
            "duplicate_of_id": original,
            "duplicate_reason": str(hit.reason),
            "duplicate_score": round(hit.score, 4),
        }
        batch[pos].values.update(values)
        links.append({"b_id": batch[pos].id, **values})
    table = Complaint.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({name: bindparam(name) for name in links[0] if name != "b_id"}),
        links,
    )


class _Filed:
    """Complaints on file against one enterprise sharing a batch's phones or orders."""

    def __init__(self) -> None:
        self.by_phone: dict[str, list[duplicates.DupFacts]] = {}
        self.by_order: dict[str, list[duplicates.DupFacts]] = {}


@cache
def _candidate_statements(dialect: str) -> dict[str, Any]:
    # Built once: composing a statement costs more than running this one.
    c = Complaint
    # SQLite's planner would rather walk the enterprises' index through every
    # complaint in the window than look up a few hundred phones or orders;
    # "+ 0" keeps it off that index for the keyed reads.
    keyed_enterprise = c.enterprise_id + 0 if dialect == "sqlite" else c.enterprise_id
    in_window = (
        c.received_at >= bindparam("since"),
        c.received_at <= bindparam("until"),
    )
    return {
        # Newest first on the (enterprise_id, received_at) index, bounded.
        "newest": select(*_DUP_COLUMNS)
        .where(c.enterprise_id == bindparam("ent"), *in_window)
        .order_by(c.received_at.desc(), c.id.desc())
        .limit(bindparam("n")),
        "by_phone": select(*_DUP_COLUMNS, c.complainant_phone.label("key"))
        .where(
            keyed_enterprise.in_(bindparam("ents", expanding=True)),
            c.complainant_phone.in_(bindparam("values", expanding=True)),
            *in_window,
        )
        .limit(bindparam("n")),
        "by_order": select(*_DUP_COLUMNS, c.order_no.label("key"))
        .where(
            keyed_enterprise.in_(bindparam("ents", expanding=True)),
            c.order_no.in_(bindparam("values", expanding=True)),
            c.received_at <= bindparam("until"),
        )
        .limit(bindparam("n")),
    }


def _filed_candidates(named: Sequence[Filed], run: FilingRun) -> dict[int, _Filed]:
    """Read what the batch may repeat; the newest of each enterprise go to `run`."""
    stmts = _candidate_statements(dialect_name())
    batch = sorted({x.enterprise_id for x in named})
    window = {
        "since": min(x.received_at for x in named) - DUPLICATE_WINDOW,
        "until": max(x.received_at for x in named),
    }
    found: dict[int, _Filed] = {}
    for ent in batch:
        if ent in run.newest:
            continue
        newest = run.newest.setdefault(ent, [])
        params = {**window, "ent": ent, "n": DUPLICATE_TEXT_CANDIDATES}
        for row in db.session.execute(stmts["newest"], params):
            newest.append(_dup_facts(row, row.id))
    keyed = {
        "by_phone": sorted({x.complainant_phone for x in named}),
        "by_order": sorted({x.order_no for x in named if x.order_no}),
    }
    for attr, values in keyed.items():
        if not values:
            continue
        params = {
            **window,
            "ents": batch,
            "values": values,
            "n": DUPLICATE_KEY_CANDIDATES * len(values),
        }
        for row in db.session.execute(stmts[attr], params):
            group = getattr(found.setdefault(row.enterprise_id, _Filed()), attr)
            group.setdefault(row.key, []).append(_dup_facts(row, row.id))
    return found


def _dup_facts(
    c: Any, complaint_id: int, facts_key: str | None = None
) -> duplicates.DupFacts:
    return duplicates.DupFacts(
        complaint_id=complaint_id,
        complainant_key=duplicates.complainant_key(c.complainant_phone),
        enterprise_id=c.enterprise_id,
        order_no=c.order_no,
        facts_text=c.facts,
        filed_at=c.received_at,
        facts_key=facts_key,
    )


def _event(
    c: Complaint,
    actor: Actor,
    action: str,
    from_status: str | None,
    to_status: str,
    now: datetime,
    **details: str | None,  # note, reason
) -> None:
    values = _event_values(c.id, actor, action, from_status, to_status, now)
    db.session.add(ComplaintEvent(**{**values, **details}))


def _event_values(
    complaint_id: int,
    actor: Actor,
    action: str,
    from_status: str | None,
    to_status: str,
    now: datetime,
) -> dict[str, Any]:
    return {
        "complaint_id": complaint_id,
        "at": now,
        "user_id": actor.user_id,
        "role": str(actor.role),
        "action": action,
        "from_status": from_status,
        "to_status": to_status,
        "note": None,
        "reason": None,
    }


# Reading -------------------------------------------------------------------


def list_complaints(
    actor: Actor, *, filters: Mapping[str, Any], page: int, per_page: int
) -> dict[str, Any]:
    """Page through the complaints the actor may see, newest first."""
    from app.pagination import paginate

    stmt = scoped(actor).order_by(Complaint.received_at.desc(), Complaint.id.desc())
    conditions = []
    if filters.get("status"):
        conditions.append(Complaint.status == filters["status"])
    for key in ("enterprise_id", "campaign_id"):
        if filters.get(key) is not None:
            conditions.append(getattr(Complaint, key) == filters[key])
    if filters.get("region_code"):
        from app.accounts.access import region_prefix

        conditions.append(
            Complaint.region_code.startswith(region_prefix(filters["region_code"]))
        )
    if filters.get("category"):
        conditions.append(
            Complaint.id.in_(
                select(ComplaintCategory.complaint_id).where(
                    ComplaintCategory.category == filters["category"]
                )
            )
        )
    if filters.get("needs_matching") is not None:
        conditions.append(Complaint.needs_matching.is_(filters["needs_matching"]))
    if filters.get("date_from"):
        conditions.append(
            Complaint.received_at >= _local_midnight(filters["date_from"])
        )
    if filters.get("date_to"):
        conditions.append(
            Complaint.received_at
            < _local_midnight(filters["date_to"]) + timedelta(days=1)
        )
    if filters.get("number"):
        conditions.append(Complaint.number == filters["number"])
    if filters.get("sla_state"):
        conditions.append(
            Complaint.id.in_(sla.complaints_in_state(filters["sla_state"]))
        )
    if conditions:
        stmt = stmt.where(and_(*conditions))
    return paginate(stmt, page=page, per_page=per_page)


def _local_midnight(d: date) -> datetime:
    return datetime.combine(d, datetime.min.time(), SHANGHAI)


def personal_data(actor: Actor, complaint_id: int) -> dict[str, Any]:
    """Return the complainant's unmasked contact data and audit the view."""
    c = get_complaint(actor, complaint_id)
    if actor.role == Role.ENTERPRISE and c.forwarded_at is None:
        raise Forbidden(
            "投诉转交贵企业之后方可查看投诉人联系方式。",
            "The enterprise sees contact data only once the complaint is forwarded.",
        )
    audit.record(actor, "personal_data.view", "complaint", c.id)
    db.session.commit()
    return {
        "complainant_name": c.complainant_name,
        "complainant_phone": c.complainant_phone,
        "complainant_address": c.complainant_address,
        "complainant_id_number": c.complainant_id_number,
    }


def matching_queue(actor: Actor, *, page: int, per_page: int) -> dict[str, Any]:
    """Complaints whose enterprise could not be matched with confidence."""
    return list_complaints(
        actor, filters={"needs_matching": True}, page=page, per_page=per_page
    )


def suggest_enterprises(name: str, limit: int = 10) -> list[dict[str, Any]]:
    """Rank registered enterprises for an autocomplete."""
    return [
        {
            "enterprise_id": s.enterprise_id,
            "legal_name": s.legal_name,
            "score": round(s.score, 4),
            "matched": s.matched,
        }
        for s in matcher().suggest(name, limit=limit)
    ]


# Regulator corrections -------------------------------------------------------


def assign_enterprise(
    actor: Actor,
    complaint_id: int,
    *,
    enterprise_id: int,
    note: str | None = None,
    now: datetime | None = None,
) -> Complaint:
    """Resolve a needs-matching complaint by naming the enterprise."""
    now = now or utcnow()
    c = get_complaint(actor, complaint_id)
    ent = db.session.get(Enterprise, enterprise_id)
    if ent is None:
        raise field_error(
            "enterprise_id", "未知的企业。", f"Unknown enterprise {enterprise_id}."
        )
    before = {"enterprise_id": c.enterprise_id, "match_method": c.match_method}
    c.enterprise_id, c.match_method, c.match_confidence = ent.id, "manual", 1.0
    c.needs_matching = False
    if c.campaign_source != "override":
        campaign_id, source = _campaign(
            {"purchase_date": c.purchase_date}, ent, c.received_at
        )
        c.campaign_id, c.campaign_source = campaign_id, source
    c.region_code = c.region_code or ent.region_code
    c.updated_at = now
    audit.record(
        actor,
        "complaint.assign_enterprise",
        "complaint",
        c.id,
        before=before,
        after={"enterprise_id": ent.id, "match_method": "manual"},
        note=note,
        at=now,
    )
    db.session.flush()
    rollups.on_assigned(c)
    _commit_or_conflict()
    return c


def override_labels(
    actor: Actor,
    complaint_id: int,
    *,
    labels: list[str],
    reason: str,
    now: datetime | None = None,
) -> Complaint:
    """Replace the complaint's categories, with the reason recorded."""
    now = now or utcnow()
    c = get_complaint(actor, complaint_id)
    known = {p.category for p in rules.list_packs()}
    unknown = [label for label in labels if label not in known]
    if unknown:
        raise field_error(
            "labels",
            f"未知的类别：{'、'.join(unknown)}。",
            f"Unknown categories: {', '.join(unknown)}.",
        )
    before = list(c.labels)
    c.labels = list(dict.fromkeys(labels))
    c.updated_at = now
    _set_categories(c.id, c.labels)
    db.session.flush()
    rollups.on_labels_changed(c.id, before, c.labels)
    db.session.add(
        LabelOverride(
            complaint_id=c.id,
            at=now,
            user_id=actor.user_id,
            before=before,
            after=c.labels,
            reason=reason,
        )
    )
    audit.record(
        actor,
        "complaint.override_labels",
        "complaint",
        c.id,
        before={"labels": before},
        after={"labels": c.labels},
        note=reason,
        at=now,
    )
    _commit_or_conflict()
    return c


def _commit_or_conflict() -> None:
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise Conflict(
            "该投诉刚被他人修改，请刷新后重试。",
            "The complaint was changed by someone else just now; reload and retry.",
            reason="concurrent_update",
        ) from exc


# Attachments -------------------------------------------------------------------


def add_attachment(
    actor: Actor,
    complaint_id: int,
    *,
    filename: str,
    content: bytes,
    root: str,
    max_bytes: int,
) -> Any:
    """Store an uploaded evidence file for a complaint."""
    from pathlib import Path

    from app.complaints import attachments
    from app.complaints.models import Attachment

    c = get_complaint(actor, complaint_id)
    if actor.role == Role.ENTERPRISE and c.forwarded_at is None:
        raise Conflict(
            "投诉尚未转交贵企业。", "The complaint has not been forwarded to you yet."
        )
    try:
        checked = attachments.check(filename, content, max_bytes=max_bytes)
    except attachments.AttachmentRefused as err:
        raise Invalid(
            err.zh,
            err.en,
            errors={"file": [err.en]},
            status_code=413 if err.too_large else 422,
        ) from err
    attachments.store(Path(root), checked, content)
    row = Attachment(
        complaint_id=c.id,
        filename=checked.display_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        user_id=actor.user_id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "complaint.attachment",
        "complaint",
        c.id,
        after={"attachment_id": row.id, "sha256": checked.sha256},
    )
    db.session.commit()
    return row


def get_attachment(actor: Actor, complaint_id: int, attachment_id: int) -> Any:
    from app.complaints.models import Attachment

    c = get_complaint(actor, complaint_id)
    row = db.session.scalar(
        select(Attachment).where(
            Attachment.id == attachment_id, Attachment.complaint_id == c.id
        )
    )
    if row is None:
        raise NotFound("未找到附件。", "Attachment not found.")
    return row


# Reclassification ------------------------------------------------------------


def count_complaints() -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count(Complaint.id))) or 0


def reclassify_all(*, batch: int = 1000, progress: Any = None) -> int:
    """Re-run stored complaints through the current packs; return how many changed.

    A regulator's label override stands: such complaints get the new
    classification record (and pack versions) but keep their labels.
    """
    overridden = set(db.session.scalars(select(LabelOverride.complaint_id)))
    changed, last_id = 0, 0
    while True:
        rows = db.session.scalars(
            select(Complaint)
            .where(Complaint.id > last_id)
            .order_by(Complaint.id)
            .limit(batch)
        ).all()
        if not rows:
            return changed
        for c in rows:
            conduct = c.purchase_date or c.received_at.astimezone(SHANGHAI).date()
            text = "\n".join(t for t in (c.facts, c.request_text) if t)
            result = rules.classify_text(text, conduct_date=conduct)
            stored, citations = result.to_stored()
            rules.store_citations(citations)
            c.classification, c.pack_versions = (
                json.loads(stored),
                dict(result.pack_versions),
            )
            c.nature = result.nature.code
            if c.id not in overridden and list(result.labels) != list(c.labels):
                before = list(c.labels)
                c.labels = list(result.labels)
                _set_categories(c.id, c.labels)
                db.session.flush()
                rollups.on_labels_changed(c.id, before, c.labels)
                audit.record(
                    SYSTEM_ACTOR,
                    "complaint.reclassify",
                    "complaint",
                    c.id,
                    before={"labels": before},
                    after={"labels": c.labels},
                )
                changed += 1
        last_id = rows[-1].id
        db.session.commit()
        if progress is not None:
            progress(len(rows))
