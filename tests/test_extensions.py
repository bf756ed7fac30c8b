"""`insert_rows` stores exactly what a Core INSERT stores, on every database."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, text

from app.complaints.models import Complaint, ComplaintCounter
from app.db_types import EncodedJSON
from app.extensions import conflict_insert, db, insert_rows, page_cache
from app.sla.models import ComplaintDeadline

SHANGHAI = timezone(timedelta(hours=8))


def _values(complaint_id: int, number: str, **over: object) -> dict:
    """Every column, of every kind the table has: text, instants, a date, money,
    booleans, floats, JSON (encoded and not) and NULLs."""
    values = dict.fromkeys(Complaint.__table__.columns.keys())
    values.update(
        id=complaint_id,
        number=number,
        status="submitted",
        channel="import",
        received_at=datetime(2021, 5, 1, 1, 2, 3, 456789, tzinfo=UTC),
        updated_at=datetime(2021, 5, 1, 9, 2, 3, tzinfo=UTC),
        version=1,
        on_behalf=True,
        needs_matching=False,
        complainant_name="王五",
        complainant_phone="13900001111",
        complainant_address="河南省郑州市",
        enterprise_name_given="某店",
        match_method="none",
        match_confidence=0.25,
        match_candidates=[{"legal_name": "某某公司", "score": 0.5}],
        order_no="A-1",
        purchase_date=date(2021, 4, 30),
        amount=Decimal("299.50"),
        request_type="refund",
        facts="收到的商品是假货",
        labels=["counterfeit"],
        nature="counterfeit",
        classification=EncodedJSON('{"labels": ["counterfeit"], "categories": []}'),
        pack_versions={"counterfeit": 1},
    )
    return values | over


def test_rows_read_back_as_a_core_insert_stores_them(app) -> None:
    db.session.execute(insert(Complaint.__table__), [_values(1, "TS-1")])
    same_instant = datetime(2021, 5, 1, 9, 2, 3, 456789, tzinfo=SHANGHAI)
    insert_rows(
        Complaint.__table__,
        [_values(2, "TS-2"), _values(3, "TS-3", received_at=same_instant)],
    )
    raw = db.session.execute(text("SELECT * FROM complaints ORDER BY id")).all()
    by_core, *by_rows = [
        {k: v for k, v in row._mapping.items() if k not in ("id", "number")}
        for row in raw
    ]
    assert by_rows == [by_core, by_core]
    loaded = db.session.scalars(select(Complaint).order_by(Complaint.id)).all()
    assert loaded[1].amount == Decimal("299.50")
    assert loaded[2].received_at == same_instant
    assert loaded[1].classification == {"labels": ["counterfeit"], "categories": []}
    assert loaded[2].match_candidates == [{"legal_name": "某某公司", "score": 0.5}]


def test_json_values_shared_by_rows_are_stored_for_each_row(app) -> None:
    shared_list, shared_tuple = [{"legal_name": "某某公司"}], ("counterfeit",)
    insert_rows(
        Complaint.__table__,
        [
            _values(1, "TS-1", match_candidates=shared_list, labels=shared_tuple),
            _values(2, "TS-2", match_candidates=shared_list, labels=("price_fraud",)),
            _values(3, "TS-3", match_candidates=[], labels=shared_tuple),
            _values(4, "TS-4", match_candidates=EncodedJSON("[]"), labels=[]),
        ],
    )
    loaded = db.session.scalars(select(Complaint).order_by(Complaint.id)).all()
    assert [c.match_candidates for c in loaded] == [shared_list, shared_list, [], []]
    assert [c.labels for c in loaded] == [
        ["counterfeit"],
        ["price_fraud"],
        ["counterfeit"],
        [],
    ]


def test_the_page_cache_is_bigger_meanwhile_and_then_as_before(app) -> None:
    def size() -> int:
        return db.session.execute(text("PRAGMA cache_size")).scalar_one()

    if db.session.get_bind().dialect.name != "sqlite":
        with page_cache(64):  # nothing to change
            pass
        return
    before = size()
    with page_cache(64):
        assert size() == -64 * 1024
    assert size() == before != -64 * 1024
    with pytest.raises(LookupError), page_cache(64):
        raise LookupError("any failure inside")
    assert size() == before


def test_a_column_with_a_python_default_cannot_be_left_out(app) -> None:
    row = {"complaint_id": 1, "target": "accept"}  # no updated_at, pause_count ...
    with pytest.raises(ValueError, match="updated_at"):
        insert_rows(ComplaintDeadline.__table__, [row])


def test_rows_go_through_the_statement_given(app) -> None:
    stmt = conflict_insert(ComplaintCounter)
    adding = stmt.on_conflict_do_update(
        index_elements=["day"], set_={"seq": ComplaintCounter.seq + stmt.excluded.seq}
    )
    table = ComplaintCounter.__table__
    insert_rows(table, [{"day": "20210501", "seq": 2}, {"day": "20210502", "seq": 1}])
    insert_rows(table, [{"day": "20210501", "seq": 3}], adding)
    counts = db.session.execute(select(table.c.day, table.c.seq).order_by("day")).all()
    assert [tuple(r) for r in counts] == [("20210501", 5), ("20210502", 1)]
