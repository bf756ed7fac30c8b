"""Request and response shapes of the classification API.

A complaint text is 1 to 20,000 characters and not only whitespace; the
optional conduct date picks which legal provisions are cited. Responses carry
every category's verdict with its evidence, so a reviewer can see why.
"""

from typing import Any

import marshmallow as ma

MAX_TEXT_LENGTH = 20_000


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("Text must not be blank.")


class ClassifyRequestSchema(ma.Schema):
    text = ma.fields.String(
        required=True,
        validate=[ma.validate.Length(min=1, max=MAX_TEXT_LENGTH), _not_blank],
        metadata={"description": "The complaint as the consumer wrote it."},
    )
    conduct_date = ma.fields.Date(
        load_default=None,
        allow_none=True,
        metadata={"description": "Day of the conduct; picks the law in force then."},
    )


class LegalBasisSchema(ma.Schema):
    law = ma.fields.String()
    article = ma.fields.String()
    summary = ma.fields.String()
    effective_from = ma.fields.Date()
    effective_until = ma.fields.Date(allow_none=True)


class RuleHitSchema(ma.Schema):
    category = ma.fields.String()
    rule = ma.fields.String(metadata={"description": "<pack id>.<rule id>"})
    kind = ma.fields.String()
    matched = ma.fields.String(metadata={"description": "The matched text as written."})
    span = ma.fields.List(ma.fields.Integer(), metadata={"description": "[start, end)"})
    weight = ma.fields.Float()
    score = ma.fields.Float(
        allow_none=True, metadata={"description": "Fuzzy similarity."}
    )
    parts = ma.fields.List(ma.fields.List(ma.fields.Integer()))


class RuleNegationSchema(ma.Schema):
    category = ma.fields.String()
    rule = ma.fields.String()
    negated_by = ma.fields.String()
    matched = ma.fields.String()
    span = ma.fields.List(ma.fields.Integer())
    cue = ma.fields.String()
    cue_span = ma.fields.List(ma.fields.Integer())


class CategoryResultSchema(ma.Schema):
    category = ma.fields.String()
    pack_id = ma.fields.String()
    pack_version = ma.fields.Raw(metadata={"description": "Integer or semver string."})
    name_zh = ma.fields.String()
    name_en = ma.fields.String()
    severity = ma.fields.Integer()
    score = ma.fields.Float()
    threshold = ma.fields.Float()
    labelled = ma.fields.Boolean()
    hits = ma.fields.List(ma.fields.Nested(RuleHitSchema))
    negations = ma.fields.List(ma.fields.Nested(RuleNegationSchema))
    legal_basis = ma.fields.List(ma.fields.Nested(LegalBasisSchema))
    pledge_clauses = ma.fields.List(ma.fields.Integer())


class NatureResultSchema(ma.Schema):
    code = ma.fields.String()
    name_zh = ma.fields.String()
    name_en = ma.fields.String()
    score = ma.fields.Float()


class ClassificationSchema(ma.Schema):
    labels = ma.fields.List(ma.fields.String())
    nature = ma.fields.Nested(NatureResultSchema)
    explanations = ma.fields.List(
        ma.fields.Nested(RuleHitSchema),
        metadata={"description": "The hits behind the labels."},
    )
    categories = ma.fields.List(ma.fields.Nested(CategoryResultSchema))
    pack_versions = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw())
    conduct_date = ma.fields.Date(allow_none=True)


class RulePackSchema(ma.Schema):
    id = ma.fields.String()
    version = ma.fields.Raw(metadata={"description": "Integer or semver string."})
    category = ma.fields.String()
    name_zh = ma.fields.String()
    name_en = ma.fields.String()
    severity = ma.fields.Integer()
    description = ma.fields.String()
    threshold = ma.fields.Float()
    pledge_clauses = ma.fields.List(ma.fields.Integer())
    legal_basis = ma.fields.List(ma.fields.Nested(LegalBasisSchema))
    rule_count = ma.fields.Method("get_rule_count")
    rule_kinds = ma.fields.Method("get_rule_kinds")

    def get_rule_count(self, pack: Any) -> int:
        return len(pack.rules)

    def get_rule_kinds(self, pack: Any) -> dict[str, int]:
        kinds: dict[str, int] = {}
        for rule in pack.rules:
            kinds[str(rule.kind)] = kinds.get(str(rule.kind), 0) + 1
        return kinds
