"""Account use cases: organisations, users, API tokens, sign-in.

Admins manage users; any user manages their own tokens. A token is shown once,
when created; afterwards only its prefix and metadata are visible.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from app.accounts import audit, auth, passwords
from app.accounts.access import Actor
from app.accounts.models import ApiToken, Organisation, User
from app.accounts.roles import Role
from app.clock import utcnow
from app.errors import Conflict, NotFound, Unauthorized, field_error
from app.extensions import db
from app.pledges.models import Enterprise, as_dict

ORG_KIND_FOR_ROLE = {
    Role.ASSOCIATION: "association",
    Role.REGIONAL_REGULATOR: "authority",
    Role.NATIONAL_REGULATOR: "authority",
}


def find_organisation(ref: str | int) -> Organisation | None:
    """Find an organisation by id or exact name."""
    ref_s = str(ref)
    if ref_s.isdigit():
        return db.session.get(Organisation, int(ref_s))
    return db.session.scalar(select(Organisation).where(Organisation.name == ref_s))


def find_enterprise(ref: str | int) -> Enterprise | None:
    """Find an enterprise by id, USCC or exact legal name."""
    ref_s = str(ref)
    if ref_s.isdigit():
        return db.session.get(Enterprise, int(ref_s))
    return db.session.scalar(
        select(Enterprise).where(
            or_(Enterprise.legal_name == ref_s, Enterprise.uscc == ref_s.upper())
        )
    )


def create_organisation(
    actor: Actor, *, kind: str, name: str, region_code: str | None
) -> Organisation:
    """Add an association or authority."""
    if db.session.scalar(select(Organisation.id).where(Organisation.name == name)):
        raise Conflict(f"机构“{name}”已存在。", f"Organisation '{name}' exists.")
    org = Organisation(kind=kind, name=name, region_code=region_code)
    db.session.add(org)
    db.session.flush()
    audit.record(
        actor, "organisation.create", "organisation", org.id, after=as_dict(org)
    )
    db.session.commit()
    return org


def create_user(actor: Actor, *, data: Mapping[str, Any]) -> User:
    """Create a user of a role, tied to the organisation or enterprise it needs."""
    role = Role(data["role"])
    email = data["email"].strip().lower()
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(
            f"邮箱 {email} 已被使用。",
            f"E-mail {email} is already used.",
            errors={"email": ["duplicate"]},
        )
    org_id, ent_id = _affiliation(role, data.get("org"))
    user = User(
        email=email,
        name=data.get("name") or email.split("@")[0],
        role=role,
        organisation_id=org_id,
        enterprise_id=ent_id,
        password_hash=passwords.hash_password(data["password"])
        if data.get("password")
        else None,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        actor,
        "user.create",
        "user",
        user.id,
        after={
            "email": email,
            "role": str(role),
            "organisation_id": org_id,
            "enterprise_id": ent_id,
        },
    )
    db.session.commit()
    return user


def _affiliation(role: Role, ref: str | int | None) -> tuple[int | None, int | None]:
    if role == Role.ADMIN:
        return None, None
    if ref is None or str(ref).strip() == "":
        raise field_error(
            "org", "该角色必须指定所属机构或企业。", f"Role {role} needs --org."
        )
    if role == Role.ENTERPRISE:
        ent = find_enterprise(ref)
        if ent is None:
            raise field_error("org", f"未找到企业 {ref}。", f"No enterprise {ref}.")
        return None, ent.id
    org = find_organisation(ref)
    if org is None or org.kind != ORG_KIND_FOR_ROLE[role]:
        raise field_error(
            "org",
            f"未找到该角色可属的机构 {ref}。",
            f"No {ORG_KIND_FOR_ROLE[role]} {ref}.",
        )
    if role == Role.REGIONAL_REGULATOR and org.region_code is None:
        raise field_error(
            "org",
            "地区监管人员须属于有地区的机构。",
            "A regional regulator needs a regional authority.",
        )
    return org.id, None


def find_user(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"未找到用户 {email}。", f"No user {email}.")
    return user


def authenticate(email: str, password: str) -> User:
    """Return the user for valid credentials.

    Raises:
        Unauthorized: the same message whether or not the user exists.
    """
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    ok = passwords.check_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        raise Unauthorized(
            "邮箱或密码不正确。", "Wrong e-mail or password.", reason="bad_credentials"
        )
    return user


def create_token(
    actor: Actor, user: User, *, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a token for `user`; return the row and the token (shown once)."""
    token = auth.new_token()
    row = ApiToken(
        user_id=user.id,
        name=name,
        prefix=token[:10],
        token_hash=auth.hash_token(token),
        expires_at=expires_at,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "token.create",
        "api_token",
        row.id,
        after={"user_id": user.id, "name": name},
    )
    db.session.commit()
    return row, token


def list_tokens(actor: Actor) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == actor.user_id)
            .order_by(ApiToken.id)
        )
    )


def revoke_token(actor: Actor, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens (admins: anyone's)."""
    row = db.session.get(ApiToken, token_id)
    if row is None or (row.user_id != actor.user_id and actor.role != Role.ADMIN):
        raise NotFound(f"未找到令牌 {token_id}。", f"Token {token_id} not found.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(actor, "token.revoke", "api_token", row.id)
        db.session.commit()
    return row


def list_users(actor: Actor) -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.id)))


def audit_entries(
    actor: Actor,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    limit: int = 100,
) -> list[Any]:
    """Return the newest audit entries, optionally for one object."""
    from app.accounts.models import AuditEntry

    stmt = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    return list(db.session.scalars(stmt))


def get_user(user_id: int | None) -> User:
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise NotFound("未找到用户。", "User not found.")
    return user
