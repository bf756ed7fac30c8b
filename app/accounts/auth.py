"""Who is calling: an API token (Authorization: Bearer) or a web session.

Tokens are random strings shown once; only their SHA-256 is stored, so a
leaked database does not leak usable tokens. A revoked or expired token, a
malformed header or no credentials at all is a 401 with the one error shape.
"""

import hashlib
import secrets
from datetime import timedelta
from functools import cache
from typing import Any

from flask import request
from flask_login import current_user
from sqlalchemy import bindparam, select, update

from app.accounts.access import Actor
from app.accounts.models import ApiToken, Organisation, User
from app.accounts.roles import Role
from app.clock import utcnow
from app.errors import Unauthorized
from app.extensions import db

TOKEN_PREFIX = "fct_"
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    """Return the stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """Return a fresh random token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def actor_for(user: User) -> Actor:
    """Build the Actor of a user, with its organisation's region."""
    region = None
    if user.organisation_id is not None:
        org = db.session.get(Organisation, user.organisation_id)
        region = org.region_code if org else None
    return Actor(
        user_id=user.id,
        role=Role(user.role),
        organisation_id=user.organisation_id,
        enterprise_id=user.enterprise_id,
        region_code=region,
    )


def _unauthorized(zh: str, en: str) -> Unauthorized:
    return Unauthorized(zh, en)


def _from_token(header: str) -> Actor:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized(
            "Authorization 请求头格式应为“Bearer <令牌>”。",
            "The Authorization header must be 'Bearer <token>'.",
        )
    row = db.session.execute(
        _token_statement(), {"token_hash": hash_token(token.strip())}
    ).first()
    now = utcnow()
    if (
        row is None
        or row.revoked_at is not None
        or (row.expires_at and row.expires_at <= now)
        or not row.active
    ):
        raise _unauthorized(
            "API 令牌无效、已吊销或已过期。",
            "The API token is invalid, revoked or expired.",
        )
    # Recording last use is bookkeeping, not part of the caller's transaction;
    # a minute's precision is enough and spares a write on every request.
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
        db.session.execute(
            update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now)
        )
        db.session.commit()
    return Actor(
        user_id=row.user_id,
        role=Role(row.role),
        organisation_id=row.organisation_id,
        enterprise_id=row.enterprise_id,
        region_code=row.region_code,
    )


@cache
def _token_statement() -> Any:
    # One read per request for the token, its user and the user's region;
    # built once, since composing it costs more than running it.
    return (
        select(
            ApiToken.id,
            ApiToken.revoked_at,
            ApiToken.expires_at,
            ApiToken.last_used_at,
            User.id.label("user_id"),
            User.active,
            User.role,
            User.organisation_id,
            User.enterprise_id,
            Organisation.region_code,
        )
        .join(User, User.id == ApiToken.user_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .where(ApiToken.token_hash == bindparam("token_hash"))
    )


def current_actor() -> Actor:
    """Return the caller.

    Raises:
        Unauthorized: when no valid credentials came with the request.
    """
    # Cached per request (not on `g`, which an outer app context may share).
    cached: Actor | None = request.environ.get("festival.actor")
    if cached is not None:
        return cached
    header = request.headers.get("Authorization")
    if header is not None:
        actor = _from_token(header)
    elif current_user and current_user.is_authenticated:
        actor = actor_for(current_user)
    else:
        raise _unauthorized(
            "需要登录或有效的 API 令牌。", "Sign in or send a valid API token."
        )
    request.environ["festival.actor"] = actor
    return actor


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: a session's user, if still active."""
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None
