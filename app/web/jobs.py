"""Long page operations (bulk imports, large exports) run beside the request.

The request that starts the work answers at once with a page holding a
<progress> element; a small script polls the job's JSON status and the page
shows the result when the job ends. Status lives in a JSON file per job under
the instance folder, written atomically, so that any worker process of the
same host can answer the poll, not only the one running the job (the folder is
`WEB_JOBS_DIR`, by default <instance>/web-jobs). Only the user who started a
job can read it.
"""

import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from app.accounts.access import Actor
from app.errors import DomainError, NotFound
from app.extensions import db

# Progress is written at most this often: a 10,000-row import must not write
# 10,000 files.
WRITE_EVERY_S = 0.25
KEEP_S = 24 * 3600  # a job's status file is removed a day after it was written
# A running job writes its progress often; silence this long means its process
# died (a worker restart, say), and the page should say so instead of waiting.
STALE_S = 600
_threads: dict[str, threading.Thread] = {}

Progress = Callable[[int, int], None]


@dataclass
class Job:
    id: str
    kind: str
    user_id: int | None
    state: str = "running"  # running | done | failed
    done: int = 0
    total: int = 0
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    result: dict[str, Any] = field(default_factory=dict)
    error_zh: str | None = None
    error_en: str | None = None
    error_fields: dict[str, Any] = field(default_factory=dict)

    @property
    def percent(self) -> int:
        if self.state != "running":
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class Handle:
    """What a job's work gets: a progress callback and a place for its file."""

    def __init__(self, app: Flask, job: Job) -> None:
        self._app, self._job, self._last = app, job, 0.0

    def progress(self, done: int, total: int) -> None:
        self._job.done, self._job.total = done, total
        now = time.monotonic()
        if now - self._last >= WRITE_EVERY_S or done == total:
            self._last = now
            _save(self._app, self._job)

    def file(self, suffix: str) -> Path:
        return file_path(self._job.id, suffix, app=self._app)


Work = Callable[[Handle], dict[str, Any]]


def _folder(app: Flask) -> Path:
    configured = app.config.get("WEB_JOBS_DIR")
    folder = Path(configured) if configured else Path(app.instance_path) / "web-jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _save(app: Flask, job: Job) -> None:
    target = _folder(app) / f"{job.id}.json"
    tmp = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(asdict(job), ensure_ascii=False, default=str))
    tmp.replace(target)  # atomic: a poll never reads half a file


def start(kind: str, actor: Actor, work: Work) -> Job:
    """Run `work(handle)` in a thread with its own app context; return the job."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    _prune(app)
    job = Job(id=uuid.uuid4().hex, kind=kind, user_id=actor.user_id)
    _save(app, job)

    def run() -> None:
        with app.app_context():
            try:
                job.result = work(Handle(app, job))
                job.state = "done"
            except DomainError as err:
                job.state = "failed"
                job.error_zh, job.error_en = err.message, err.message_en
                job.error_fields = dict(err.errors)
            except Exception as err:  # the page must learn that the job died
                current_app.logger.exception("web job %s failed", job.id)
                job.state = "failed"
                job.error_zh = "处理失败，请稍后重试或联系管理员。"
                job.error_en = f"The job failed ({type(err).__name__}); try again."
            finally:
                db.session.remove()
                job.finished_at = time.time()
                _save(app, job)

    thread = threading.Thread(target=run, name=f"web-job-{job.id}", daemon=True)
    _threads[job.id] = thread
    thread.start()
    return job


def _prune(app: Flask) -> None:
    for job_id, thread in list(_threads.items()):
        if not thread.is_alive():
            _threads.pop(job_id, None)
    cutoff = time.time() - KEEP_S
    for path in _folder(app).glob("*.*"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def get(actor: Actor, job_id: str) -> Job:
    """Return the caller's own job.

    Raises:
        NotFound: no such job, or another user's.
    """
    path = _folder(current_app) / f"{job_id}.json" if job_id.isalnum() else None
    if path is None or not path.exists():
        raise NotFound("未找到该任务。", "No such job.")
    job = Job(**json.loads(path.read_text()))
    if job.user_id != actor.user_id:
        raise NotFound("未找到该任务。", "No such job.")
    if job.state == "running" and time.time() - path.stat().st_mtime > STALE_S:
        job.state = "failed"
        job.error_zh = "任务已中断（服务进程可能已重启），请重新提交。"
        job.error_en = (
            "The job stopped (the server may have restarted); start it again."
        )
    return job


def file_path(job_id: str, suffix: str, *, app: Flask | None = None) -> Path:
    """Where a job keeps its output file (removed with its status, after a day)."""
    return _folder(app or current_app) / f"{job_id}.{suffix}"


def wait(job_id: str, timeout: float = 30.0) -> None:
    """Block until a job started in this process ends (used by tests)."""
    thread = _threads.get(job_id)
    if thread is not None:
        thread.join(timeout)
