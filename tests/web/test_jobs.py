"""Jobs: status files any worker can read, for their owner only, never stuck."""

import os
import time

import pytest

from app.accounts.access import Actor
from app.accounts.roles import Role
from app.errors import NotFound
from app.web import jobs

OWNER = Actor(user_id=1, role=Role.ASSOCIATION, organisation_id=1)
OTHER = Actor(user_id=2, role=Role.ASSOCIATION, organisation_id=2)


@pytest.fixture
def folder(app, tmp_path):
    app.config["WEB_JOBS_DIR"] = str(tmp_path)
    yield tmp_path
    app.config.pop("WEB_JOBS_DIR")


def _run(work) -> jobs.Job:
    job = jobs.start("test", OWNER, work)
    jobs.wait(job.id)
    return jobs.get(OWNER, job.id)


def test_a_job_reports_progress_and_its_result_to_its_owner(app, folder) -> None:
    def work(handle: jobs.Handle) -> dict:
        for n in range(1, 4):
            handle.progress(n, 3)
        handle.file("txt").write_text("done")
        return {"rows": 3}

    job = _run(work)
    assert (job.state, job.done, job.total, job.percent) == ("done", 3, 3, 100)
    assert job.result == {"rows": 3}
    assert jobs.file_path(job.id, "txt").read_text() == "done"
    with pytest.raises(NotFound):
        jobs.get(OTHER, job.id)


def test_a_job_that_raises_is_reported_failed(app, folder) -> None:
    def work(handle: jobs.Handle) -> dict:
        raise RuntimeError("boom")

    job = _run(work)
    assert job.state == "failed"
    assert "RuntimeError" in (job.error_en or "")


def test_a_running_job_that_went_silent_is_reported_stopped(app, folder) -> None:
    job = jobs.Job(id="abc123", kind="test", user_id=OWNER.user_id)
    jobs._save(app, job)
    old = time.time() - jobs.STALE_S - 5
    os.utime(folder / "abc123.json", (old, old))
    assert jobs.get(OWNER, "abc123").state == "failed"


def test_job_ids_that_are_not_plain_names_are_not_looked_up(app, folder) -> None:
    with pytest.raises(NotFound):
        jobs.get(OWNER, "../secret")
