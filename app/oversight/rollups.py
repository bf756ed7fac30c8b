"""Rollups: complaint counts per grain, kept in step with every write.

A complaint counts on its received day (Asia/Shanghai) under its campaign,
region, enterprise and each current category, plus once under `_all`. It is
valid, replied and completed once its history reached those statuses (黑猫
metrics, lifecycle.metric_flags); handled once a valid case is closed. SLA
figures follow app/sla/figures.py: on time = met and done, late = breached or
met late. Each write re-derives the complaint's contribution, compares it with
the stored member row and applies the difference, so a repeated call is harmless.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import islice
from typing import Any

from sqlalchemy import (
    String,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    union,
    union_all,
    update,
)

from app.complaints import lifecycle
from app.complaints.models import Complaint, ComplaintCategory, ComplaintEvent
from app.extensions import conflict_insert, db, dialect_name, insert_rows
from app.fields import SHANGHAI
from app.oversight.models import (
    ALL,
    COUNTERS,
    GRAINS,
    NO_ID,
    NO_REGION,
    NONE,
    RollupMember,
    RollupState,
)
from app.pledges.models import Enterprise
from app.sla.models import ComplaintDeadline

Member = dict[str, Any]
TARGET_COLUMNS = {
    "first_response": ("fr_on_time", "fr_late"),
    "resolution": ("res_on_time", "res_late"),
    "accept_decision": ("acc_on_time", "acc_late"),
    "mediation": ("med_on_time", "med_late"),
}
ENTERPRISE_TARGETS = ("first_response", "resolution")
LATE_STATES = frozenset({"breached", "met_late"})
SLA_STATE = "sla"
# Sweeps commit in their own transactions; re-reading a margin before the
# watermark catches one that committed late. Re-syncing is idempotent.
SLA_OVERLAP = timedelta(minutes=15)
NO_MARK = datetime(1970, 1, 1, tzinfo=UTC)  # a watermark row created before any sync
BATCH = 500
_M = RollupMember.__table__


def contribution(
    *,
    complaint_id: int,
    received_at: datetime,
    campaign_id: int | None,
    region_code: str | None,
    enterprise_id: int | None,
    enterprise_region: str | None,
    status: str,
    history: Iterable[str],
    closed_at: datetime | None,
    ratings: tuple[int | None, int | None, int | None],
    categories: Iterable[str],
    clocks: Iterable[tuple[str, str, str | None]],
) -> Member:
    """Return what one complaint adds to the rollups, as a member row."""
    flags = lifecycle.metric_flags(lifecycle.Status(s) for s in {*history, status})
    closed = lifecycle.is_final(lifecycle.Status(status))
    handled = flags.valid and closed and closed_at is not None
    satisfaction, attitude, speed = ratings
    row: Member = {
        "complaint_id": complaint_id,
        "day": received_at.astimezone(SHANGHAI).date(),
        "campaign_id": campaign_id or NO_ID,
        "region_code": region_code or NO_REGION,
        "enterprise_id": enterprise_id or NO_ID,
        "enterprise_region": enterprise_region or NO_REGION,
        "categories": sorted(set(categories)),
        "received": 1,
        "valid": int(flags.valid),
        "replied": int(flags.replied),
        "completed": int(flags.completed),
        "closed": int(closed),
        "handled": int(handled),
        "handled_seconds": max(0, int((closed_at - received_at).total_seconds()))
        if handled and closed_at is not None
        else None,
        "rated": int(satisfaction is not None),
        "satisfaction_sum": satisfaction or 0,
        "attitude_sum": attitude or 0,
        "speed_sum": speed or 0,
    }
    for on_time, late in TARGET_COLUMNS.values():
        row[on_time] = row[late] = 0
    for target, state, outcome in clocks:
        if target in TARGET_COLUMNS:
            on_time, late = TARGET_COLUMNS[target]
            row[on_time] = int(state == "met" and outcome == "done")
            row[late] = int(state in LATE_STATES)
    return row


def scope_codes(region_code: str, enterprise_region: str) -> list[str]:
    """Return the region codes whose regulators may see a complaint.

    A regulator of code X sees complaints handled in X or against enterprises
    registered in X, X read as a province, city or county (scoping.scoped), so
    a complaint belongs to the province, city and county codes of both places.
    """
    codes = set()
    for code in (region_code, enterprise_region):
        if code:
            codes |= {code[:2] + "0000", code[:4] + "00", code}
    return sorted(codes)


def grain_keys(member: Member, dims: Sequence[str]) -> list[tuple[Any, ...]]:
    """Return the grain rows a member counts in: `_all` and each category."""
    categories = (ALL, *(member["categories"] or [NONE]))
    if dims[0] != "scope_code":
        head = tuple(member[d] for d in dims[:-1])
        return [(*head, c) for c in categories]
    rest = tuple(member[d] for d in dims[1:-1])
    codes = scope_codes(member["region_code"], member["enterprise_region"])
    return [(code, *rest, c) for code in codes for c in categories]


def vector(member: Member, sign: int = 1) -> list[int]:
    """Return the member's counters in COUNTERS order, times `sign`."""
    return [sign * (member[name] or 0) for name in COUNTERS]


# Hooks called by the complaints service inside its transaction ---------------


class Tally:
    """Counter changes of complaints filed in one transaction, not yet applied.

    Batches filed one after another add their new members' counts here, and
    `apply` moves the grain rows once: members of different batches with the
    same dimensions share their grain rows, so each row is written once for
    the whole run rather than once per batch.
    """

    def __init__(self) -> None:
        self._sums: dict[tuple[Any, ...], tuple[Member, list[int]]] = {}

    def add(self, members: Iterable[tuple[Member, int]]) -> None:
        """Count each member (complaint_id aside) as many times as given."""
        for member, times in members:
            _sum_into(self._sums, member, times)

    def apply(self) -> None:
        """Move the grain counters by what was added; the tally starts over."""
        _apply_sums(self._sums)
        self._sums = {}


def on_filed(
    filed: Sequence[Any],  # the new complaints' attributes (complaints.service.Filed)
    enterprise_regions: Mapping[int, str | None],
    clocks: Mapping[int, Sequence[tuple[str, str, str | None]]],
    tally: Tally,
) -> None:
    """Count complaints filed in this transaction, from what the caller holds.

    A new complaint has no member row yet and nothing has happened to it but
    its filing, so its contribution is computed without reading anything back
    (once for complaints filed alike: they differ only in their ids). Member
    rows are written now; the grain counters move with `tally.apply()`, which
    the caller runs before the transaction commits.
    """
    alike: dict[tuple[Any, ...], Member] = {}
    times: dict[tuple[Any, ...], int] = {}
    members: dict[int, Member] = {}
    for c in filed:
        facts = {
            "received_at": c.received_at,
            "campaign_id": c.campaign_id,
            "region_code": c.region_code,
            "enterprise_id": c.enterprise_id,
            "enterprise_region": None
            if c.enterprise_id is None
            else enterprise_regions.get(c.enterprise_id),
            "status": c.status,
            "closed_at": c.closed_at,
            "ratings": (c.rating_satisfaction, c.rating_attitude, c.rating_speed),
            "categories": tuple(c.labels or ()),
            "clocks": tuple(clocks.get(c.id, ())),
        }
        like = tuple(facts.values())
        if like not in alike:
            alike[like] = contribution(complaint_id=c.id, history=[c.status], **facts)
        times[like] = times.get(like, 0) + 1
        members[c.id] = {**alike[like], "complaint_id": c.id}
    insert_rows(_M, list(members.values()))
    tally.add((alike[like], n) for like, n in times.items())


def on_status_changed(complaint: Complaint, from_status: str, to_status: str) -> None:
    """Move a complaint between counters after a lifecycle step."""
    resync([complaint.id])


def on_labels_changed(
    complaint_id: int, before: Sequence[str], after: Sequence[str]
) -> None:
    """Move a complaint between category rows after its labels changed."""
    resync([complaint_id])


def on_assigned(complaint: Complaint) -> None:
    """Move a complaint to its enterprise, campaign and region once matched."""
    resync([complaint.id])


def on_enterprise_moved(enterprise_id: int) -> None:
    """Re-file an enterprise's complaints after its registered region changed."""
    resync(
        db.session.scalars(
            select(Complaint.id).where(Complaint.enterprise_id == enterprise_id)
        ).all()
    )


# Re-deriving members and applying the difference --------------------------------


def _batched(items: Iterable[int], size: int) -> Iterator[list[int]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def resync(complaint_ids: Iterable[int]) -> int:
    """Re-derive the given complaints' contributions; return how many changed."""
    return sum(
        _resync_chunk(chunk) for chunk in _batched(sorted(set(complaint_ids)), BATCH)
    )


def derive(ids: Sequence[int]) -> dict[int, Member]:
    """Compute the current member rows of the given complaints from the source rows."""
    c = Complaint
    rows = db.session.execute(
        select(
            Enterprise.region_code.label("enterprise_region"),
            c.id,
            c.received_at,
            c.campaign_id,
            c.region_code,
            c.enterprise_id,
            c.status,
            c.closed_at,
            c.rating_satisfaction,
            c.rating_attitude,
            c.rating_speed,
        )
        .outerjoin(Enterprise, Enterprise.id == c.enterprise_id)
        .where(c.id.in_(ids))
    ).all()
    categories = _grouped(
        select(ComplaintCategory.complaint_id, ComplaintCategory.category).where(
            ComplaintCategory.complaint_id.in_(ids)
        )
    )
    history = _grouped(
        select(ComplaintEvent.complaint_id, ComplaintEvent.to_status).where(
            ComplaintEvent.complaint_id.in_(ids)
        )
    )
    d = ComplaintDeadline
    clocks: dict[int, list[tuple[str, str, str | None]]] = {}
    for cid, target, state, outcome in db.session.execute(
        select(d.complaint_id, d.target, d.state, d.outcome).where(
            d.complaint_id.in_(ids)
        )
    ):
        clocks.setdefault(cid, []).append((target, state, outcome))
    return {
        r.id: contribution(
            complaint_id=r.id,
            received_at=r.received_at,
            campaign_id=r.campaign_id,
            region_code=r.region_code,
            enterprise_id=r.enterprise_id,
            enterprise_region=r.enterprise_region,
            status=r.status,
            history=history.get(r.id, ()),
            closed_at=r.closed_at,
            ratings=(r.rating_satisfaction, r.rating_attitude, r.rating_speed),
            categories=categories.get(r.id, ()),
            clocks=clocks.get(r.id, ()),
        )
        for r in rows
    }


def _grouped(stmt: Any) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for key, value in db.session.execute(stmt):
        out.setdefault(key, []).append(value)
    return out


def _resync_chunk(ids: list[int]) -> int:
    new = derive(ids)
    old = {
        row["complaint_id"]: dict(row)
        for row in db.session.execute(select(_M).where(_M.c.complaint_id.in_(ids)))
        .mappings()
        .all()
    }
    return _store(old, new)


def _store(old: Mapping[int, Member], new: Mapping[int, Member]) -> int:
    """Replace changed member rows and move the grain counters by the difference."""
    changed = [i for i in sorted({*old, *new}) if new.get(i) != old.get(i)]
    if not changed:
        return 0
    # Members with the same dimensions count in the same grain rows: sum them
    # first, then spread each sum over its rows (a batch has far fewer sums).
    sums: dict[tuple[Any, ...], tuple[Member, list[int]]] = {}
    for cid in changed:
        for member, sign in ((old.get(cid), -1), (new.get(cid), 1)):
            if member is not None:
                _sum_into(sums, member, sign)
    if old:
        db.session.execute(delete(_M).where(_M.c.complaint_id.in_(changed)))
    fresh = [new[i] for i in changed if i in new]
    if fresh:
        insert_rows(_M, fresh)
    _apply_sums(sums)
    return len(changed)


def _apply_sums(sums: Mapping[tuple[Any, ...], tuple[Member, list[int]]]) -> None:
    """Spread each sum of members' counters over the grain rows they count in."""
    deltas: dict[str, dict[tuple[Any, ...], list[int]]] = {g: {} for g in GRAINS}
    for member, values in sums.values():
        _add(deltas, member, values)
    for name, by_key in deltas.items():
        apply_deltas(name, by_key)


_DIMENSIONS = tuple(
    sorted(
        {d for _table, dims in GRAINS.values() for d in dims}
        - {"scope_code", "category"}
    )
    + ["region_code", "enterprise_region"]
)


def _sum_into(
    sums: dict[tuple[Any, ...], tuple[Member, list[int]]], member: Member, sign: int
) -> None:
    """Add the member's counters to the sum of members with its dimensions."""
    dimensions = (*(member[d] for d in _DIMENSIONS), *member["categories"])
    values = vector(member, sign)
    if dimensions in sums:
        total = sums[dimensions][1]
        for i, v in enumerate(values):
            total[i] += v
    else:
        sums[dimensions] = (member, values)


def _add(
    deltas: dict[str, dict[tuple[Any, ...], list[int]]],
    member: Member,
    values: list[int],
) -> None:
    """Add counter values to every grain row the member counts in."""
    for name, (_table, dims) in GRAINS.items():
        for key in grain_keys(member, dims):
            total = deltas[name].setdefault(key, [0] * len(COUNTERS))
            for i, v in enumerate(values):
                total[i] += v


def apply_deltas(grain: str, by_key: dict[tuple[Any, ...], list[int]]) -> None:
    """Add counter deltas to one grain's rows, creating rows as needed."""
    table, dims = GRAINS[grain]
    # Sorted keys lock rows in one order, so concurrent writers cannot deadlock.
    rows = [
        {**dict(zip(dims, key, strict=True)), **dict(zip(COUNTERS, v, strict=True))}
        for key, v in sorted(by_key.items(), key=lambda kv: _sortable(kv[0]))
        if any(v)
    ]
    if not rows:
        return
    insert_rows(table, rows, _upsert(grain, dialect_name()))


@cache
def _upsert(grain: str, dialect: str) -> Any:
    # Built once per grain: composing the statement costs more than running it.
    table, dims = GRAINS[grain]
    stmt = conflict_insert(table, dialect)
    return stmt.on_conflict_do_update(
        index_elements=list(dims),
        set_={c: table.c[c] + stmt.excluded[c] for c in COUNTERS},
    )


def _sortable(key: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple(str(k) for k in key)


# Time-driven SLA changes and full recounts ------------------------------------


def sync_sla(now: datetime) -> dict[str, Any]:
    """Re-sync complaints whose SLA clocks changed since the last run (the sweep).

    Two schedulers may run this at once: the watermark row is locked first, so
    the second waits for the first to commit and then finds nothing left to do
    (re-syncing the same complaints at once would clash on their member rows).
    """
    since = _lock_mark(SLA_STATE)
    d = ComplaintDeadline
    stmt = select(d.complaint_id).distinct()
    if since is not None:
        stmt = stmt.where(d.updated_at >= since - SLA_OVERLAP)
    changed = resync(db.session.scalars(stmt).all())
    set_mark(SLA_STATE, now)
    return {"changed": changed, "as_of": now}


def _lock_mark(name: str) -> datetime | None:
    """Lock a watermark row, before any read of the transaction; return its instant.

    One UPDATE … RETURNING takes the row lock (PostgreSQL) or the write lock
    (SQLite) and reads the row; a missing row is created first (None: no mark yet).
    """
    lock = (
        update(RollupState)
        .where(RollupState.name == name)
        .values(at=RollupState.at)
        .returning(RollupState.at)
        .execution_options(synchronize_session=False)
    )
    found = db.session.execute(lock).scalar_one_or_none()
    if found is not None:
        return found if found > NO_MARK else None
    stmt = conflict_insert(RollupState)
    db.session.execute(
        stmt.values(name=name, at=NO_MARK).on_conflict_do_nothing(
            index_elements=["name"]
        )
    )
    db.session.execute(lock)
    return None


def set_mark(name: str, at: datetime) -> None:
    mark = db.session.get(RollupState, name)
    if mark is None:
        db.session.add(RollupState(name=name, at=at))
    else:
        mark.at = at
    db.session.flush()


def sla_as_of() -> datetime | None:
    """Return when time-driven SLA changes were last folded in, if ever."""
    mark = db.session.get(RollupState, SLA_STATE)
    return None if mark is None or mark.at <= NO_MARK else mark.at


def rebuild(*, now: datetime, batch: int = 2000) -> dict[str, int]:
    """Recount everything from the complaints: members first, then every grain."""
    db.session.execute(delete(_M))
    count = 0
    last = 0
    while True:
        ids = db.session.scalars(
            select(Complaint.id)
            .where(Complaint.id > last)
            .order_by(Complaint.id)
            .limit(batch)
        ).all()
        if not ids:
            break
        rows = list(derive(ids).values())
        db.session.execute(insert(_M), rows)
        count += len(rows)
        last = ids[-1]
    rebuild_grains()
    set_mark(SLA_STATE, now)
    return {"members": count}


def _scope_table() -> Any:
    """Each member's scope codes as rows (complaint_id, scope_code), as SQL."""
    parts = []
    for col in (_M.c.region_code, _M.c.enterprise_region):
        province = func.substr(col, 1, 2, type_=String()).concat("0000")
        city = func.substr(col, 1, 4, type_=String()).concat("00")
        for code in (province, city, col):
            parts.append(
                select(_M.c.complaint_id.label("cid"), code.label("scope_code")).where(
                    col != NO_REGION
                )
            )
    return union(*parts).subquery()


def rebuild_grains() -> None:
    """Recompute every grain table from the member rows by GROUP BY."""
    cc = ComplaintCategory
    sums = [func.coalesce(func.sum(_M.c[name]), 0).label(name) for name in COUNTERS]
    scopes = _scope_table()
    for table, dims in GRAINS.values():
        by_scope = dims[0] == "scope_code"
        heads = [_M.c[d] for d in dims[:-1] if d != "scope_code"]
        if by_scope:
            heads.insert(0, scopes.c.scope_code)

        def source(stmt: Any, by_scope: bool = by_scope) -> Any:
            stmt = stmt.select_from(_M)
            if by_scope:
                stmt = stmt.join(scopes, scopes.c.cid == _M.c.complaint_id)
            return stmt

        totals = source(select(*heads, literal(ALL).label("category"), *sums))
        labelled = source(select(*heads, cc.category.label("category"), *sums)).join(
            cc, cc.complaint_id == _M.c.complaint_id
        )
        unlabelled = source(
            select(*heads, literal(NONE).label("category"), *sums)
        ).where(~exists().where(cc.complaint_id == _M.c.complaint_id))
        db.session.execute(delete(table))
        db.session.execute(
            insert(table).from_select(
                [*dims, *COUNTERS],
                union_all(
                    totals.group_by(*heads),
                    labelled.group_by(*heads, cc.category),
                    unlabelled.group_by(*heads),
                ),
            )
        )


def grain_rows(grain: str) -> dict[tuple[Any, ...], tuple[int, ...]]:
    """Return a grain's non-empty rows by key (for consistency checks)."""
    table, dims = GRAINS[grain]
    cols = [table.c[d] for d in dims] + [table.c[c] for c in COUNTERS]
    out: dict[tuple[Any, ...], tuple[int, ...]] = {}
    for row in db.session.execute(select(*cols).where(table.c.received != 0)):
        out[tuple(row[: len(dims)])] = tuple(int(v) for v in row[len(dims) :])
    return out


def day_of(instant: datetime) -> date:
    """Return the Asia/Shanghai calendar day of an instant."""
    return instant.astimezone(SHANGHAI).date()
