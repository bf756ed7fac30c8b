"""Oversight fixtures: an app with the oversight API and commands registered.

Until the factory registers them (and the complaints service calls the rollup
hooks itself), this conftest builds an app like the shared one with the
oversight blueprint and CLI added, and wraps the complaint use cases so that
each one re-syncs the rollups as the wired service will.
"""

from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.complaints import service as complaints
from app.complaints import workflow
from app.extensions import api, db
from app.oversight import cli as oversight_cli
from app.oversight import models as _models  # noqa: F401  (registers the tables)
from app.oversight import rollups
from app.oversight import routes as oversight_routes
from tests.complaints.conftest import Cast, act, cast, file  # noqa: F401


def register_oversight(app: Flask) -> None:
    if "oversight" not in app.blueprints:
        api.register_blueprint(oversight_routes.bp)
    if oversight_cli.cli.name not in app.cli.commands:
        app.cli.add_command(oversight_cli.cli)


@pytest.fixture(scope="session")
def _app(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test",
            "WTF_CSRF_ENABLED": True,
            "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        }
    )
    register_oversight(app)
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _resyncing(func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = func(*args, **kwargs)
        complaint = result[0] if isinstance(result, tuple) else result
        rollups.resync([complaint.id])
        db.session.commit()
        return result

    return wrapper


@pytest.fixture(autouse=True)
def wired_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Call the rollup hooks after each complaint write, as the wiring will."""
    for module, name in (
        (complaints, "file_complaint"),
        (complaints, "override_labels"),
        (complaints, "assign_enterprise"),
        (workflow, "transition"),
    ):
        monkeypatch.setattr(module, name, _resyncing(getattr(module, name)))
