"""Unbound extension objects; `create_app` binds them."""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin, resolver
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import JSON, Dialect, Table, insert
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


@contextmanager
def page_cache(mib: int) -> Iterator[None]:
    """Give the session's SQLite connection a page cache of `mib` MiB meanwhile.

    SQLite's default cache holds 2 MiB: a transaction that adds thousands of
    rows to some twenty indexes touches more pages than that, spills them to
    the log and reads them back, about a quarter of a bulk import's insert
    time. Other databases keep their own settings.
    """
    if dialect_name() != "sqlite":
        yield
        return
    connection = db.session.connection()
    before = int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())
    connection.exec_driver_sql(f"PRAGMA cache_size=-{int(mib) * 1024}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={before}")


def insert_rows(
    table: Table, rows: Sequence[Mapping[str, Any]], statement: Any = None
) -> None:
    """INSERT many rows into `table` in the session's transaction.

    `statement` is an INSERT of `table` to run instead of the plain one (one
    with ON CONFLICT, say). On SQLite the rows go straight to the driver's
    executemany, each value converted by its column type's own bind
    conversion (once per distinct value of a column: a batch shares its
    instants): for the wide rows filing writes, SQLAlchemy's per-row
    parameter handling costs more than SQLite's insert. Elsewhere it is Core's
    executemany. Every row has the keys of the first; a column left out takes
    the database's default.

    Raises:
        ValueError: a column with a Python-side default is left out (on any
            database, so a test on SQLite catches what PostgreSQL would hide).
    """
    if not rows:
        return
    db.session.flush()  # ORM changes pending in the session go first
    connection = db.session.connection()
    statement = _plain_insert(table) if statement is None else statement
    sql, names = _insert_plan(table, tuple(rows[0]), statement, connection.dialect)
    if connection.dialect.name != "sqlite":
        connection.execute(statement, list(rows))
        return
    columns = [[row[name] for row in rows] for name in names]
    for i, name in enumerate(names):
        convert = _bind_conversion(table.c[name].type, connection.dialect)
        if convert is not None:
            columns[i] = _converted(columns[i], convert, table.c[name].type)
    driver = connection.connection.driver_connection
    assert driver is not None  # an open connection of the session
    cursor = driver.cursor()
    try:
        cursor.executemany(sql, list(zip(*columns, strict=True)))
    finally:
        cursor.close()


def _converted(values: list[Any], convert: Any, type_: Any) -> list[Any]:
    if isinstance(type_, JSON):
        return _converted_json(values, convert)
    done: dict[Any, Any] = {None: None}
    out = []
    for v in values:
        if v not in done:
            done[v] = convert(v)
        out.append(done[v])
    return out


def _converted_json(values: list[Any], convert: Any) -> list[Any]:
    # JSON values may be unhashable: each is encoded once per object (rows of
    # a batch often share one, e.g. an SLA policy), and once per value when
    # it is a tuple (labels). Every value stays alive in `values`, so no id
    # is reused meanwhile.
    done: dict[Any, Any] = {}
    out: list[Any] = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        key = v if type(v) is tuple else id(v)
        if key not in done:
            done[key] = convert(v)
        out.append(done[key])
    return out


def skipping_insert(table: Table, *keys: str) -> Any:
    """An INSERT into `table` that skips rows whose `keys` are already on file."""
    return _skipping_insert(table, keys, dialect_name())


@cache
def _skipping_insert(table: Table, keys: tuple[str, ...], dialect: str) -> Any:
    # Built once per table and dialect: composing it costs more than running it.
    stmt = conflict_insert(table, dialect)
    return stmt.on_conflict_do_nothing(index_elements=list(keys))


@cache
def _plain_insert(table: Table) -> Any:
    # One object per table, so the plan below is compiled once.
    return insert(table)


@cache
def _insert_plan(
    table: Table, names: tuple[str, ...], statement: Any, dialect: Dialect
) -> tuple[str, tuple[str, ...]]:
    """Return the statement's SQL and the row keys of its parameters, in order."""
    left_out = [c.name for c in table.columns if c.name not in names and c.default]
    if left_out:
        raise ValueError(f"{table.name}: no value for {', '.join(left_out)}")
    compiled = statement.compile(dialect=dialect, column_keys=list(names))
    return str(compiled), tuple(compiled.positiontup or ())


@cache
def _bind_conversion(type_: Any, dialect: Dialect) -> Any:
    return type_.dialect_impl(dialect).bind_processor(dialect)
