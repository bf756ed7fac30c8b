"""Application factory: nothing happens at import; `create_app` does it all."""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from app import config as app_config
from app.accounts import auth
from app.db_types import dumps_json
from app.errors import register_error_handlers
from app.extensions import api, babel, csrf, db, limiter, login_manager, migrate
from app.i18n import current_language, pick
from app.security import register_security_headers


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app: defaults, then FLASK_* env, then `config`."""
    app = Flask(__name__, instance_relative_config=True)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese stays readable
    app.config.from_object(app_config.Defaults)
    app.config.from_prefixed_env()
    if os.environ.get("DATABASE_URL") and not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    app.config.update(config or {})
    _configure_database(app)
    if app.config.get("TRUSTED_PROXIES"):
        # Behind a TLS-terminating proxy: trust its X-Forwarded-* headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    from app import models  # noqa: F401  (registers every table)

    db.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(auth.load_user)
    limiter.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, default_locale="zh", locale_selector=current_language)
    _register_security(app)
    register_security_headers(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(app.root_path).parent / "migrations"),
        render_as_batch=True,
    )
    api.init_app(app)
    register_error_handlers(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _configure_database(app: Flask) -> None:
    url = app.config.get("DATABASE_URL")
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        url = "sqlite:///" + str(Path(app.instance_path) / "festival.sqlite3")
    if url.startswith("postgresql://"):
        # One setting switches to PostgreSQL; the driver is always psycopg 3.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("json_serializer", dumps_json)
    if url.startswith("sqlite"):
        busy = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])
        options.setdefault("connect_args", {"timeout": busy / 1000})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; busy_timeout makes a second
    # writer wait instead of failing at once.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _register_security(app: Flask) -> None:
    # Cookie sessions need a CSRF token on every unsafe request; API tokens in
    # the Authorization header are not sent by browsers on their own, so those
    # requests are exempt.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False

    @app.before_request
    def _csrf_for_cookie_sessions() -> None:
        if (
            app.config.get("WTF_CSRF_ENABLED", True)
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and "Authorization" not in request.headers
            # The sign-in view checks CSRF itself, after its rate limit.
            and request.endpoint != "auth.login"
        ):
            csrf.protect()

    @app.context_processor
    def _i18n() -> dict[str, Any]:
        return {"t": pick, "lang": current_language()}


def _register_blueprints(app: Flask) -> None:
    from app import docs
    from app.accounts import routes as accounts_routes
    from app.complaints import routes as complaints_routes
    from app.oversight import routes as oversight_routes
    from app.pledges import routes as pledges_routes
    from app.rules import routes as rules_routes
    from app.sla import routes as sla_routes
    from app.web import routes as web_routes

    for bp in (
        accounts_routes.bp,
        pledges_routes.bp,
        complaints_routes.bp,
        rules_routes.bp,
        sla_routes.bp,
        oversight_routes.bp,
    ):
        api.register_blueprint(bp)
    app.register_blueprint(docs.bp)
    app.register_blueprint(accounts_routes.web)
    app.register_blueprint(web_routes.bp)


def _register_cli(app: Flask) -> None:
    from app import demo
    from app.accounts import cli as accounts_cli
    from app.complaints import cli as complaints_cli
    from app.oversight import cli as oversight_cli
    from app.rules import cli as rules_cli
    from app.sla import cli as sla_cli

    for group in (
        rules_cli.cli,
        sla_cli.cli,
        sla_cli.sla_cli,
        oversight_cli.cli,
        demo.cli,
        accounts_cli.users_cli,
        accounts_cli.tokens_cli,
        accounts_cli.audit_cli,
        complaints_cli.cli,
    ):
        app.cli.add_command(group)
    from app import scheduler
    from app.backup import backup_command

    scheduler.init_app(app)

    # Flask-Migrate owns the `db` group; the backup command belongs beside upgrade.
    app.cli.commands["db"].add_command(backup_command)  # type: ignore[attr-defined]
