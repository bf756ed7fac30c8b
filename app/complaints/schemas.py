"""Request and response schemas of the complaints API.

Responses always carry the complainant's contact data masked; the full values
come only from the audited personal-data endpoint.
"""

from typing import Any

import marshmallow as ma
from marshmallow import validate as v

from app.complaints import lifecycle, masking
from app.complaints.enums import MessageKind, RequestType
from app.fields import Choice, Instant, Text, Yuan
from app.rules import service as rules

PHONE = v.Regexp(r"^\+?[0-9][0-9\- ]{4,30}$", error="Not a phone number.")
ID_NUMBER = v.Regexp(
    r"^[0-9]{15}([0-9]{2}[0-9Xx])?$", error="Not a resident ID number."
)


class ComplaintCreateSchema(ma.Schema):
    complainant_name = Text(100, required=True)
    complainant_phone = ma.fields.String(required=True, validate=PHONE)
    complainant_address = Text(300, required=True)
    complainant_id_number = ma.fields.String(allow_none=True, validate=ID_NUMBER)
    on_behalf = ma.fields.Boolean(load_default=True)
    enterprise_name = Text(200, required=True)
    enterprise_uscc = ma.fields.String(allow_none=True, validate=v.Length(max=40))
    platform_name = Text(100, min_len=0, allow_none=True)
    shop_name = Text(200, min_len=0, allow_none=True)
    order_no = ma.fields.String(
        allow_none=True,
        validate=[v.Length(max=100), v.Regexp(r"^[A-Za-z0-9_\-#./ ]*$")],
    )
    purchase_date = ma.fields.Date(allow_none=True)
    amount = Yuan(allow_none=True)
    request_type = Choice(RequestType, required=True)
    request_text = Text(2000, min_len=0, allow_none=True)
    facts = Text(20000, required=True)
    campaign_id = ma.fields.Integer(allow_none=True)
    region_code = ma.fields.String(allow_none=True, validate=v.Regexp(r"^\d{6}$"))


class CandidateSchema(ma.Schema):
    enterprise_id = ma.fields.Integer()
    legal_name = ma.fields.String()
    score = ma.fields.Float()
    matched = ma.fields.String()


class ComplaintSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    status = ma.fields.String()
    status_label = ma.fields.Method("_status_label")
    version = ma.fields.Integer()
    channel = ma.fields.String()
    received_at = Instant()
    filer_org_id = ma.fields.Integer(allow_none=True)
    on_behalf = ma.fields.Boolean()
    complainant_name = ma.fields.Function(
        lambda c: masking.mask_name(c.complainant_name)
    )
    complainant_phone = ma.fields.Function(
        lambda c: masking.mask_phone(c.complainant_phone)
    )
    complainant_address = ma.fields.Function(
        lambda c: masking.mask_address(c.complainant_address)
    )
    complainant_id_number = ma.fields.Function(
        lambda c: masking.mask_id_number(c.complainant_id_number), allow_none=True
    )
    enterprise_id = ma.fields.Integer(allow_none=True)
    enterprise_name_given = ma.fields.String()
    match_method = ma.fields.String()
    match_confidence = ma.fields.Float()
    match_candidates = ma.fields.List(ma.fields.Nested(CandidateSchema))
    needs_matching = ma.fields.Boolean()
    region_code = ma.fields.String(allow_none=True)
    platform_name = ma.fields.String(allow_none=True)
    shop_name = ma.fields.String(allow_none=True)
    order_no = ma.fields.String(allow_none=True)
    purchase_date = ma.fields.Date(allow_none=True)
    amount = Yuan(allow_none=True)
    request_type = ma.fields.String()
    request_text = ma.fields.String(allow_none=True)
    facts = ma.fields.String()
    campaign_id = ma.fields.Integer(allow_none=True)
    campaign_source = ma.fields.String(allow_none=True)
    labels = ma.fields.List(ma.fields.String())
    nature = ma.fields.String(allow_none=True)
    classification = ma.fields.Function(
        lambda c: rules.expand_classification(c.classification),
        metadata={"type": "object", "nullable": True},
    )
    pack_versions = ma.fields.Dict(allow_none=True)
    duplicate_of_id = ma.fields.Integer(allow_none=True)
    duplicate_reason = ma.fields.String(allow_none=True)
    duplicate_score = ma.fields.Float(allow_none=True)
    forwarded_at = Instant(allow_none=True)
    first_response_at = Instant(allow_none=True)
    closed_at = Instant(allow_none=True)
    rating_attitude = ma.fields.Integer(allow_none=True)
    rating_speed = ma.fields.Integer(allow_none=True)
    rating_satisfaction = ma.fields.Integer(allow_none=True)

    def _status_label(self, c: Any) -> dict[str, str]:
        status = lifecycle.Status(c.status)
        return {"zh": status.zh, "en": status.en}


class ComplaintDetailSchema(ComplaintSchema):
    events = ma.fields.List(ma.fields.Nested(lambda: EventSchema()))
    allowed_actions = ma.fields.Method("_allowed")

    def _allowed(self, c: Any) -> list[str]:
        # What the caller could do next, so a client can offer only those buttons.
        from app.accounts import auth

        role = auth.current_actor().role
        return [
            a.value for a in lifecycle.allowed_actions(lifecycle.Status(c.status), role)
        ]


class EventSchema(ma.Schema):
    at = Instant()
    user_id = ma.fields.Integer(allow_none=True)
    role = ma.fields.String(allow_none=True)
    action = ma.fields.String()
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String()
    reason = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)


class ComplaintPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ComplaintSchema))
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer()


class ComplaintQueryArgsSchema(ma.Schema):
    status = Choice(lifecycle.Status)
    enterprise_id = ma.fields.Integer()
    campaign_id = ma.fields.Integer()
    category = ma.fields.String(validate=v.Length(max=64))
    region_code = ma.fields.String(validate=v.Regexp(r"^\d{6}$"))
    date_from = ma.fields.Date()
    date_to = ma.fields.Date()
    sla_state = ma.fields.String(
        validate=v.OneOf(
            [
                "on_track",
                "at_risk",
                "breached",
                "met",
                "met_late",
                "paused",
                "calendar_unknown",
            ]
        )
    )
    needs_matching = ma.fields.Boolean()
    number = ma.fields.String(validate=v.Length(max=32))
    page = ma.fields.Integer(load_default=1, validate=v.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=50, validate=v.Range(min=1, max=200))


class RatingsSchema(ma.Schema):
    attitude = ma.fields.Integer(required=True, validate=v.Range(min=1, max=5))
    speed = ma.fields.Integer(required=True, validate=v.Range(min=1, max=5))
    satisfaction = ma.fields.Integer(required=True, validate=v.Range(min=1, max=5))


class TransitionSchema(ma.Schema):
    action = Choice(lifecycle.Action, required=True)
    reason = ma.fields.String(
        allow_none=True,
        validate=v.Length(max=64),
        metadata={"description": "Art. 15 / Art. 21 reason code"},
    )
    note = Text(5000, min_len=0, allow_none=True)
    ratings = ma.fields.Nested(RatingsSchema, allow_none=True)
    expected_version = ma.fields.Integer(allow_none=True)


class MessageCreateSchema(ma.Schema):
    kind = Choice(MessageKind, load_default=MessageKind.MESSAGE.value)
    body = Text(5000, required=True)
    refund_amount = Yuan(allow_none=True, max_yuan=10_000_000)
    compensation_amount = Yuan(allow_none=True, max_yuan=10_000_000)
    replacement = ma.fields.Boolean(allow_none=True)


class MessageSchema(ma.Schema):
    id = ma.fields.Integer()
    at = Instant()
    role = ma.fields.String()
    kind = ma.fields.String()
    body = ma.fields.String()
    refund_amount = Yuan(allow_none=True)
    compensation_amount = Yuan(allow_none=True)
    replacement = ma.fields.Boolean(allow_none=True)


class PersonalDataSchema(ma.Schema):
    complainant_name = ma.fields.String()
    complainant_phone = ma.fields.String()
    complainant_address = ma.fields.String()
    complainant_id_number = ma.fields.String(allow_none=True)


class AssignSchema(ma.Schema):
    enterprise_id = ma.fields.Integer(required=True)
    note = Text(2000, min_len=0, allow_none=True)


class LabelOverrideSchema(ma.Schema):
    labels = ma.fields.List(
        ma.fields.String(validate=v.Length(max=64)),
        required=True,
        validate=v.Length(max=20),
    )
    reason = Text(2000, required=True)


class PauseSchema(ma.Schema):
    reason = ma.fields.String(
        required=True, validate=v.OneOf(["testing_appraisal", "recusal"])
    )
    note = Text(2000, min_len=0, allow_none=True)


class PauseReadSchema(ma.Schema):
    id = ma.fields.Integer()
    reason = ma.fields.String()
    started_at = Instant()
    ended_at = Instant(allow_none=True)
    note = ma.fields.String(allow_none=True)


class SuggestArgsSchema(ma.Schema):
    q = Text(200, required=True)
    limit = ma.fields.Integer(load_default=10, validate=v.Range(min=1, max=50))


class AttachmentSchema(ma.Schema):
    id = ma.fields.Integer()
    filename = ma.fields.String()
    content_type = ma.fields.String()
    size = ma.fields.Integer()
    sha256 = ma.fields.String()
    uploaded_at = Instant()


class ImportedRowSchema(ma.Schema):
    row = ma.fields.Integer()
    complaint_id = ma.fields.Integer()
    number = ma.fields.String()


class RejectedRowSchema(ma.Schema):
    row = ma.fields.Integer()
    errors = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.String())
    )


class ImportReportSchema(ma.Schema):
    total_rows = ma.fields.Integer()
    imported = ma.fields.Function(
        lambda r: [
            {"row": row, "complaint_id": cid, "number": num}
            for row, cid, num in r.imported
        ]
    )
    rejected = ma.fields.List(ma.fields.Nested(RejectedRowSchema))
