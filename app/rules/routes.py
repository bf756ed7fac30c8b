"""HTTP API for complaint classification and the rule packs behind it.

POST /api/v1/classify labels one complaint text and explains the labels;
GET /api/v1/rule-packs lists the packs in use with versions, legal basis (all
provisions, with their dates), pledge clauses and rule counts.
"""

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from app.accounts.access import ANY_ROLE, allow
from app.rules import service
from app.rules.classification import Classification
from app.rules.packs import RulePack
from app.rules.schemas import (
    ClassificationSchema,
    ClassifyRequestSchema,
    RulePackSchema,
)

bp = Blueprint(
    "rules", __name__, url_prefix="/api/v1", description="Complaint classification"
)


@bp.route("/classify")
class Classify(MethodView):
    @allow(*ANY_ROLE)
    @bp.arguments(ClassifyRequestSchema)
    @bp.response(200, ClassificationSchema)
    def post(self, args: dict[str, Any]) -> Classification:
        """Classify a complaint text into banned practices and a 中消协 nature."""
        return service.classify_text(args["text"], conduct_date=args["conduct_date"])


@bp.route("/rule-packs")
class RulePackList(MethodView):
    @allow(*ANY_ROLE)
    @bp.response(200, RulePackSchema(many=True))
    def get(self) -> list[RulePack]:
        """List the rule packs in use."""
        return list(service.list_packs())
