"""Schemas of the accounts API."""

import marshmallow as ma
from marshmallow import validate as v

from app.accounts.roles import Role
from app.fields import Choice, Instant, Text


class MeSchema(ma.Schema):
    user_id = ma.fields.Integer()
    role = ma.fields.String()
    organisation_id = ma.fields.Integer(allow_none=True)
    enterprise_id = ma.fields.Integer(allow_none=True)
    region_code = ma.fields.String(allow_none=True)


class UserSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    email = ma.fields.Email(required=True, validate=v.Length(max=254))
    name = Text(100, allow_none=True)
    role = Choice(Role, required=True)
    org = ma.fields.String(
        load_only=True,
        allow_none=True,
        validate=v.Length(max=200),
        metadata={"description": "organisation (or enterprise) id or name"},
    )
    password = ma.fields.String(
        load_only=True, allow_none=True, validate=v.Length(min=8, max=200)
    )
    organisation_id = ma.fields.Integer(dump_only=True, allow_none=True)
    enterprise_id = ma.fields.Integer(dump_only=True, allow_none=True)
    active = ma.fields.Boolean(dump_only=True)
    created_at = Instant(dump_only=True)


class TokenSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    prefix = ma.fields.String()
    created_at = Instant()
    expires_at = Instant(allow_none=True)
    last_used_at = Instant(allow_none=True)
    revoked_at = Instant(allow_none=True)


class TokenCreateSchema(ma.Schema):
    name = Text(100, required=True)
    expires_at = Instant(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = ma.fields.String(metadata={"description": "shown only in this response"})


class AuditEntrySchema(ma.Schema):
    seq = ma.fields.Integer()
    at = Instant()
    actor_user_id = ma.fields.Integer(allow_none=True)
    actor_role = ma.fields.String(allow_none=True)
    action = ma.fields.String()
    object_type = ma.fields.String()
    object_id = ma.fields.String(allow_none=True)
    before = ma.fields.Dict(allow_none=True)
    after = ma.fields.Dict(allow_none=True)
    note = ma.fields.String(allow_none=True)
    hash = ma.fields.String()


class AuditQueryArgsSchema(ma.Schema):
    object_type = ma.fields.String(validate=v.Length(max=64))
    object_id = ma.fields.String(validate=v.Length(max=64))
    limit = ma.fields.Integer(load_default=100, validate=v.Range(min=1, max=1000))


class AuditVerifySchema(ma.Schema):
    intact = ma.fields.Boolean()
    broken_at = ma.fields.Integer(allow_none=True)
    problem = ma.fields.String(allow_none=True)
