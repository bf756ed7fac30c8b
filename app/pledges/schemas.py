"""Request and response schemas of the registry API."""

import marshmallow as ma
from marshmallow import validate as v

from app.fields import Choice, Instant, Text
from app.pledges.enums import (
    CampaignScope,
    EnterpriseKind,
    ParticipationStatus,
    PledgeStatus,
)

REGION_CODE = v.Regexp(r"^\d{6}$", error="Must be a 6-digit GB/T 2260 code.")


class RegionSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=REGION_CODE)
    name = Text(64, required=True)
    level = ma.fields.String(
        required=True, validate=v.OneOf(["province", "city", "county"])
    )
    parent_code = ma.fields.String(allow_none=True, validate=REGION_CODE)


class RegionQueryArgsSchema(ma.Schema):
    level = ma.fields.String(validate=v.OneOf(["province", "city", "county"]))


class ClauseSchema(ma.Schema):
    number = ma.fields.Integer(required=True, validate=v.Range(min=1, max=99))
    text = Text(2000, required=True)


class PledgeTemplateSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String()
    version = ma.fields.Integer()
    title = ma.fields.String()
    created_at = Instant()
    clauses = ma.fields.List(ma.fields.Nested(ClauseSchema))


class PledgeTemplateCreateSchema(ma.Schema):
    code = ma.fields.String(
        required=True, validate=v.Regexp(r"^[a-z0-9][a-z0-9_-]{1,63}$")
    )
    title = Text(200, required=True)
    clauses = ma.fields.List(
        ma.fields.Nested(ClauseSchema), required=True, validate=v.Length(min=1, max=50)
    )


class SectionSchema(ma.Schema):
    position = ma.fields.Integer(dump_only=True)
    name = Text(200, required=True)
    description = Text(2000, min_len=0, allow_none=True)


class MilestoneSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=v.Regexp(r"^[a-z0-9_]{1,32}$"))
    name = Text(200, required=True)
    due_date = ma.fields.Date(required=True)


class RegionCapSchema(ma.Schema):
    region_code = ma.fields.String(required=True, validate=REGION_CODE)
    cap = ma.fields.Integer(required=True, validate=v.Range(min=0, max=10000))


class CampaignSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String(
        required=True, validate=v.Regexp(r"^[a-z0-9][a-z0-9_-]{1,63}$")
    )
    name = Text(200, required=True)
    theme = Text(200, min_len=0, allow_none=True)
    organisers = ma.fields.List(Text(200), load_default=list, validate=v.Length(max=20))
    starts_at = Instant(required=True)
    ends_at = Instant(required=True)
    scope = Choice(CampaignScope, required=True)
    region_code = ma.fields.String(allow_none=True, validate=REGION_CODE)
    default_region_cap = ma.fields.Integer(
        load_default=5, validate=v.Range(min=0, max=10000)
    )
    pledge_template_id = ma.fields.Integer(allow_none=True)
    sections = ma.fields.List(
        ma.fields.Nested(SectionSchema), load_default=list, validate=v.Length(max=50)
    )
    milestones = ma.fields.List(
        ma.fields.Nested(MilestoneSchema), load_default=list, validate=v.Length(max=50)
    )
    region_caps = ma.fields.List(
        ma.fields.Nested(RegionCapSchema), load_default=list, validate=v.Length(max=400)
    )
    created_at = Instant(dump_only=True)


class EnterpriseSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    legal_name = Text(200, required=True)
    uscc = ma.fields.String(allow_none=True, validate=v.Length(max=40))
    uscc_warning = ma.fields.String(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "check_character_mismatch when the GB 32100 check fails "
            "(accepted: some real pilot-era codes fail it)"
        },
    )
    kind = Choice(EnterpriseKind, required=True)
    region_code = ma.fields.String(allow_none=True, validate=REGION_CODE)
    aliases = ma.fields.List(Text(200), load_default=list, validate=v.Length(max=50))
    contact_name = Text(64, min_len=0, allow_none=True)
    contact_phone = ma.fields.String(
        allow_none=True, validate=v.Regexp(r"^[0-9+\- ]{5,32}$")
    )
    contact_email = ma.fields.Email(allow_none=True, validate=v.Length(max=254))
    created_at = Instant(dump_only=True)


class EnterpriseReadSchema(EnterpriseSchema):
    aliases = ma.fields.List(ma.fields.String(), attribute="alias_names")


class EnterpriseQueryArgsSchema(ma.Schema):
    q = ma.fields.String(validate=v.Length(min=1, max=200))
    region_code = ma.fields.String(validate=REGION_CODE)
    page = ma.fields.Integer(load_default=1, validate=v.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=50, validate=v.Range(min=1, max=200))


class EnterprisePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(EnterpriseReadSchema))
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer()


class ParticipationSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    campaign_id = ma.fields.Integer(required=True)
    enterprise_id = ma.fields.Integer(required=True)
    region_code = ma.fields.String(validate=REGION_CODE)
    status = Choice(ParticipationStatus, dump_only=True)
    note = Text(2000, min_len=0, allow_none=True)
    order_volume = ma.fields.Integer(dump_only=True, allow_none=True)
    recommended_at = Instant(dump_only=True)
    decided_at = Instant(dump_only=True, allow_none=True)
    decision_note = ma.fields.String(dump_only=True, allow_none=True)


class ParticipationQueryArgsSchema(ma.Schema):
    campaign_id = ma.fields.Integer()
    status = Choice(ParticipationStatus)


class DecisionSchema(ma.Schema):
    decision = ma.fields.String(required=True, validate=v.OneOf(["approve", "reject"]))
    note = Text(2000, min_len=0, allow_none=True)


class OrderVolumeSchema(ma.Schema):
    orders = ma.fields.Integer(required=True, validate=v.Range(min=0, max=10**12))


class ObligationSchema(ma.Schema):
    id = ma.fields.Integer()
    clause_number = ma.fields.Integer()
    text = ma.fields.String()


class PledgeSchema(ma.Schema):
    id = ma.fields.Integer()
    campaign_id = ma.fields.Integer()
    enterprise_id = ma.fields.Integer()
    template_id = ma.fields.Integer()
    template_version = ma.fields.Integer()
    status = Choice(PledgeStatus)
    signatory = ma.fields.String(allow_none=True)
    signed_at = Instant(allow_none=True)
    late_signing_reason = ma.fields.String(allow_none=True)
    status_reason = ma.fields.String(allow_none=True)
    obligations = ma.fields.List(ma.fields.Nested(ObligationSchema))


class PledgeCreateSchema(ma.Schema):
    campaign_id = ma.fields.Integer(required=True)
    enterprise_id = ma.fields.Integer()
    template_id = ma.fields.Integer()


class PledgeQueryArgsSchema(ma.Schema):
    campaign_id = ma.fields.Integer()
    enterprise_id = ma.fields.Integer()


class SignatureSchema(ma.Schema):
    signatory = Text(64, required=True)
    signed_at = Instant()


class ReasonSchema(ma.Schema):
    reason = Text(2000, required=True)
