from app.extensions import db
from app.oversight import rollups
from app.oversight.models import GRAINS
from tests import builders as b
from tests.oversight.builders import association, complaint, steps


def test_commands_rebuild_sync_and_rejudge(app) -> None:
    b.jd()
    steps(complaint(association()), "accept", "forward")
    before = {g: rollups.grain_rows(g) for g in GRAINS}
    runner = app.test_cli_runner()

    rebuilt = runner.invoke(args=["oversight", "rebuild-rollups"])
    synced = runner.invoke(args=["oversight", "sync-sla"])
    judged = runner.invoke(args=["oversight", "recompute-flags"])

    assert rebuilt.exit_code == 0 and "1 complaints" in rebuilt.output
    assert synced.exit_code == 0 and "sla states synced" in synced.output
    assert judged.exit_code == 0 and "raise 0" in judged.output
    db.session.expire_all()
    assert {g: rollups.grain_rows(g) for g in GRAINS} == before
    assert rollups.sla_as_of() is not None
