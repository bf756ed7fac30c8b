from sqlalchemy import select, text

from app.accounts import audit
from app.accounts.access import SYSTEM
from app.accounts.models import AuditEntry
from app.extensions import db


def _three_entries() -> None:
    for i in range(3):
        audit.record(SYSTEM, "test.action", "thing", i, after={"n": i})
    db.session.commit()


def test_records_are_chained_and_verify(app) -> None:
    _three_entries()
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[1].prev_hash == entries[0].hash
    assert audit.verify() is None


def test_detects_a_row_edited_in_the_database(app) -> None:
    _three_entries()
    db.session.execute(text("UPDATE audit_entries SET note = 'x' WHERE seq = 2"))
    db.session.commit()
    db.session.expire_all()
    found = audit.verify()
    assert found is not None and found.seq == 2


def test_detects_a_row_deleted_from_the_middle_or_the_end(app) -> None:
    _three_entries()
    db.session.execute(text("DELETE FROM audit_entries WHERE seq = 3"))
    db.session.commit()
    found = audit.verify()
    assert found is not None and found.seq == 3


def test_cli_verify_names_the_first_broken_entry(app) -> None:
    _three_entries()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    db.session.execute(text("UPDATE audit_entries SET action = 'forged' WHERE seq = 1"))
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "entry 1" in result.output
