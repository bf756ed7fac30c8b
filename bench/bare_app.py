"""The intake benchmark's baseline: a bare endpoint that inserts one row.

Same stack (Flask, SQLAlchemy, gunicorn, the same database) with none of the
work intake does: no validation, matching, classification, SLA or audit.
"""

import os

from flask import Flask, request
from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine, event

url = os.environ["DATABASE_URL"]
engine = create_engine(
    url, connect_args={"timeout": 5} if url.startswith("sqlite") else {}
)
if url.startswith("sqlite"):

    @event.listens_for(engine, "connect")
    def _pragmas(conn, _rec):  # type: ignore[no-untyped-def]
        cur = conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.close()


meta = MetaData()
rows = Table(
    "bare_rows", meta, Column("id", Integer, primary_key=True), Column("body", Text)
)
meta.create_all(engine)
app = Flask(__name__)


@app.post("/bare")
def bare() -> tuple[dict[str, int], int]:
    with engine.begin() as conn:
        new_id = conn.execute(
            rows.insert().values(body=request.get_data(as_text=True))
        ).inserted_primary_key[0]
    return {"id": int(new_id)}, 201
