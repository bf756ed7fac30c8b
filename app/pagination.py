"""Page-number pagination with the page metadata in the body."""

from typing import Any

import marshmallow as ma
from sqlalchemy import Select, func, select

from app.extensions import db

MAX_PER_PAGE = 200


class PageArgsSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(
        load_default=50, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE)
    )


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """Build the schema of one page of `item`."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item)),
            "page": ma.fields.Integer(),
            "per_page": ma.fields.Integer(),
            "total": ma.fields.Integer(),
        },
        name=name,
    )


def paginate(stmt: Select[Any], *, page: int, per_page: int) -> dict[str, Any]:
    """Run `stmt` for one page and count the whole result."""
    total = db.session.scalar(
        select(func.count()).select_from(stmt.order_by(None).subquery())
    )
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "page": page, "per_page": per_page, "total": total or 0}
