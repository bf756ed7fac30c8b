"""Unbound extension objects; `create_app` binds them."""

from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin, resolver
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase

from app.openapi import Api


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


def dialect_name() -> str:
    """The bound database's dialect: "sqlite" or "postgresql"."""
    return db.session.get_bind().dialect.name


def conflict_insert(target: Any, dialect: str | None = None) -> Any:
    """An INSERT for `target` that takes ON CONFLICT (both dialects spell it alike)."""
    name = dialect or dialect_name()
    return (pg_insert if name == "postgresql" else sqlite_insert)(target)


migrate = Migrate()


def _schema_name(schema: type | object) -> str:
    # A partial instance (PATCH bodies) must not collide with the full schema.
    name: str = resolver(schema)  # type: ignore[arg-type]
    return name + "Partial" if getattr(schema, "partial", False) else name


api = Api(
    spec_kwargs={
        "marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=_schema_name)
    }
)
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
csrf = CSRFProtect()
babel = Babel()
