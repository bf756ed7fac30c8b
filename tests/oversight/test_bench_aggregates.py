"""The aggregates benchmark's data generator at a small size: realistic rows,
deterministic by seed, and the counted figures independent of the extras."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app import create_app
from app.complaints.models import Complaint, ComplaintEvent, ComplaintMessage
from app.extensions import db
from app.oversight.models import GRAINS, Violation
from app.pledges import uscc
from app.pledges.models import Enterprise, EnterpriseAlias
from app.rules import service as rules
from bench import bench_aggregates


@contextmanager
def _generated(path: Path, seed: int) -> Iterator[None]:
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "TESTING": True})
    with app.app_context():
        db.create_all()
        bench_aggregates.generate(3000, 60, seed=seed)
        yield
        db.session.remove()
        db.engine.dispose()


def _grains() -> dict[str, Any]:
    return {
        name: db.session.execute(
            select(func.sum(table.c.received), func.sum(table.c.closed))
        ).one()
        for name, (table, _dims) in GRAINS.items()
    }


def _generate(path: Path, seed: int) -> dict[str, Any]:
    with _generated(path, seed):
        complaints = db.session.execute(
            select(
                Complaint.id,
                Complaint.status,
                Complaint.facts,
                Complaint.labels,
                Complaint.enterprise_id,
                Complaint.enterprise_name_given,
                Complaint.complainant_phone,
            ).order_by(Complaint.id)
        ).all()
        events: dict[int, list[Any]] = {}
        for e in db.session.scalars(
            select(ComplaintEvent).order_by(
                ComplaintEvent.complaint_id, ComplaintEvent.id
            )
        ):
            events.setdefault(e.complaint_id, []).append(
                (e.action, e.from_status, e.to_status, e.at, e.reason)
            )
        out = {
            "complaints": complaints,
            "events": events,
            "replied": set(db.session.scalars(select(ComplaintMessage.complaint_id))),
            "violations": db.session.execute(
                select(Violation.complaint_id, Violation.category)
            ).all(),
            "enterprises": db.session.execute(
                select(Enterprise.id, Enterprise.legal_name, Enterprise.uscc)
            ).all(),
            "aliases": db.session.execute(
                select(EnterpriseAlias.enterprise_id, EnterpriseAlias.alias)
            ).all(),
            "grains": _grains(),
        }
        labelled_texts = sum(
            sorted(rules.classify_text(c.facts).labels) == sorted(c.labels)
            for c in complaints
        )
        out["labels_agree"] = labelled_texts / len(complaints)
    return out


def test_generated_festival_is_realistic_and_deterministic(tmp_path: Path) -> None:
    first = _generate(tmp_path / "a.sqlite3", seed=7)
    again = _generate(tmp_path / "b.sqlite3", seed=7)
    other = _generate(tmp_path / "c.sqlite3", seed=8)
    assert first == again
    assert first["complaints"] != other["complaints"]

    names = {i: name for i, name, _code in first["enterprises"]}
    assert len(set(names.values())) == len(names) == 60
    assert all(
        name.endswith(("公司", "店", "厂")) or len(name) > 6 for name in names.values()
    )
    for _i, _name, code in first["enterprises"]:
        assert code is None or uscc.check_character(code[:17]) == code[17]
    given = {i: {n} for i, n in names.items()}
    for i, alias in first["aliases"]:
        given[i].add(alias)
    assert len(first["aliases"]) >= 2 * len(names)

    violations = dict(first["violations"])
    for c in first["complaints"]:
        assert c.enterprise_name_given in given[c.enterprise_id]
        assert len(c.facts) > 20
        steps = first["events"][c.id]
        assert steps[0][:3] == ("file", None, "submitted")
        assert steps[-1][2] == c.status
        assert all(a[2] == b[1] for a, b in zip(steps, steps[1:], strict=False))
        assert [s[3] for s in steps] == sorted(s[3] for s in steps)
        for _action, _from, to, _at, reason in steps:
            assert (reason is not None) == (to in ("rejected", "mediation_terminated"))
        assert (c.id in first["replied"]) == any(s[2] == "responded" for s in steps)
        if c.id in violations:
            assert violations[c.id] in c.labels
    assert 0 < len(violations) < len(first["complaints"]) / 10
    # Texts are picked to carry the complaint's labels where the pool has one.
    assert first["labels_agree"] > 0.5
    # The extras draw from their own stream: what the aggregates count depends
    # on the seed only through the figures' stream.
    assert first["grains"] == again["grains"]


def test_the_extras_do_not_change_what_the_aggregates_count(
    tmp_path: Path, monkeypatch: Any
) -> None:
    with_extras = _generate(tmp_path / "a.sqlite3", seed=3)["grains"]
    for name in ("history", "responses", "violations"):
        monkeypatch.setattr(bench_aggregates._Realism, name, lambda *a, **k: [])
    monkeypatch.setattr(
        bench_aggregates._Realism, "facts", lambda self, labels: "基准投诉内容"
    )
    with _generated(tmp_path / "b.sqlite3", seed=3):
        bare = _grains()
    assert with_extras == bare
