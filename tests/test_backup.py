"""A backup taken while the service runs restores to a database that verifies."""

import os
from pathlib import Path

from sqlalchemy import func, select

from app import create_app
from app.complaints.models import Complaint
from app.extensions import db
from tests.complaints.conftest import cast, file  # noqa: F401  (fixture)


def test_backup_restores_with_every_complaint_and_an_intact_audit_chain(
    app, client, cast, tmp_path: Path
) -> None:
    if db.engine.dialect.name != "sqlite":
        result = app.test_cli_runner().invoke(
            args=["db", "backup", str(tmp_path / "x.dump")]
        )
        assert result.exit_code != 0 and "pg_dump" in result.output
        return
    ids = [file(client, cast, order_no=f"BK{i}")["id"] for i in range(5)]
    target = tmp_path / "backup.sqlite3"
    result = app.test_cli_runner().invoke(args=["db", "backup", str(target)])
    assert result.exit_code == 0, result.output
    again = app.test_cli_runner().invoke(args=["db", "backup", str(target)])
    assert again.exit_code != 0 and "exists" in again.output
    restored = create_app({"DATABASE_URL": f"sqlite:///{target}"})
    runner = restored.test_cli_runner()
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0 and "intact" in verify.output
    with restored.app_context():
        got = db.session.scalars(select(Complaint.id).order_by(Complaint.id)).all()
        assert got == ids
        db.session.remove()
        db.engine.dispose()
    assert os.path.getsize(target) > 0
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 5
