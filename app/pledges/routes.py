"""Registry API: /api/v1/regions, campaigns, enterprises, participations,
pledge-templates and pledges. Thin: load → service → dump."""

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from app.accounts import auth
from app.accounts.access import ANY_ROLE, allow
from app.accounts.roles import Role
from app.pledges import schemas as s
from app.pledges import service

bp = Blueprint(
    "pledges",
    __name__,
    url_prefix="/api/v1",
    description="Campaigns, enterprises and pledges",
)

R = Role
REGULATORS_ADMIN = (R.REGIONAL_REGULATOR, R.NATIONAL_REGULATOR, R.ADMIN)


@bp.route("/regions")
class RegionList(MethodView):
    @allow(*ANY_ROLE)
    @bp.arguments(s.RegionQueryArgsSchema, location="query")
    @bp.response(200, s.RegionSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        return service.list_regions(level=args.get("level"))

    @allow(R.ADMIN)
    @bp.arguments(s.RegionSchema)
    @bp.response(201, s.RegionSchema)
    def post(self, data: dict[str, Any]) -> Any:
        return service.create_region(auth.current_actor(), data=data)


@bp.route("/regions/<string:code>")
class RegionDetail(MethodView):
    @allow(*ANY_ROLE)
    @bp.response(200, s.RegionSchema)
    def get(self, code: str) -> Any:
        return service.get_region(code)


@bp.route("/pledge-templates")
class PledgeTemplateList(MethodView):
    @allow(*ANY_ROLE)
    @bp.response(200, s.PledgeTemplateSchema(many=True))
    def get(self) -> Any:
        return service.list_templates()

    @allow(R.NATIONAL_REGULATOR, R.ADMIN)
    @bp.arguments(s.PledgeTemplateCreateSchema)
    @bp.response(201, s.PledgeTemplateSchema)
    def post(self, data: dict[str, Any]) -> Any:
        return service.create_template(auth.current_actor(), data=data)


@bp.route("/pledge-templates/<int:template_id>")
class PledgeTemplateDetail(MethodView):
    @allow(*ANY_ROLE)
    @bp.response(200, s.PledgeTemplateSchema)
    def get(self, template_id: int) -> Any:
        return service.get_template(template_id)


@bp.route("/campaigns")
class CampaignList(MethodView):
    @allow(*ANY_ROLE)
    @bp.response(200, s.CampaignSchema(many=True))
    def get(self) -> Any:
        return service.list_campaigns()

    @allow(*REGULATORS_ADMIN)
    @bp.arguments(s.CampaignSchema)
    @bp.response(201, s.CampaignSchema)
    def post(self, data: dict[str, Any]) -> Any:
        return service.create_campaign(auth.current_actor(), data=data)


@bp.route("/campaigns/<int:campaign_id>")
class CampaignDetail(MethodView):
    @allow(*ANY_ROLE)
    @bp.response(200, s.CampaignSchema)
    def get(self, campaign_id: int) -> Any:
        return service.get_campaign(campaign_id)


@bp.route("/enterprises")
class EnterpriseList(MethodView):
    @allow(*ANY_ROLE)
    @bp.arguments(s.EnterpriseQueryArgsSchema, location="query")
    @bp.response(200, s.EnterprisePageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        return service.list_enterprises(auth.current_actor(), **args)

    @allow(*REGULATORS_ADMIN)
    @bp.arguments(s.EnterpriseSchema)
    @bp.response(201, s.EnterpriseReadSchema)
    def post(self, data: dict[str, Any]) -> Any:
        return service.create_enterprise(auth.current_actor(), data=data)


@bp.route("/enterprises/<int:enterprise_id>")
class EnterpriseDetail(MethodView):
    @allow(*ANY_ROLE)
    @bp.response(200, s.EnterpriseReadSchema)
    def get(self, enterprise_id: int) -> Any:
        return service.get_enterprise(auth.current_actor(), enterprise_id)

    @allow(R.ENTERPRISE, *REGULATORS_ADMIN)
    @bp.arguments(s.EnterpriseSchema(partial=True))
    @bp.response(200, s.EnterpriseReadSchema)
    def patch(self, data: dict[str, Any], enterprise_id: int) -> Any:
        return service.update_enterprise(auth.current_actor(), enterprise_id, data=data)


@bp.route("/participations")
class ParticipationList(MethodView):
    @allow(*ANY_ROLE)
    @bp.arguments(s.ParticipationQueryArgsSchema, location="query")
    @bp.response(200, s.ParticipationSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        return service.list_participations(
            auth.current_actor(),
            campaign_id=args.get("campaign_id"),
            status=args.get("status"),
        )

    @allow(R.REGIONAL_REGULATOR, R.NATIONAL_REGULATOR)
    @bp.arguments(s.ParticipationSchema)
    @bp.response(201, s.ParticipationSchema)
    def post(self, data: dict[str, Any]) -> Any:
        return service.recommend(auth.current_actor(), data=data)


@bp.route("/participations/<int:participation_id>")
class ParticipationDetail(MethodView):
    @allow(*ANY_ROLE)
    @bp.response(200, s.ParticipationSchema)
    def get(self, participation_id: int) -> Any:
        return service.get_participation(auth.current_actor(), participation_id)


@bp.route("/participations/<int:participation_id>/decision")
class ParticipationDecision(MethodView):
    @allow(R.NATIONAL_REGULATOR)
    @bp.arguments(s.DecisionSchema)
    @bp.response(200, s.ParticipationSchema)
    def post(self, data: dict[str, Any], participation_id: int) -> Any:
        return service.decide(auth.current_actor(), participation_id, **data)


@bp.route("/participations/<int:participation_id>/order-volume")
class ParticipationOrderVolume(MethodView):
    @allow(R.ENTERPRISE, R.REGIONAL_REGULATOR, R.NATIONAL_REGULATOR)
    @bp.arguments(s.OrderVolumeSchema)
    @bp.response(200, s.ParticipationSchema)
    def post(self, data: dict[str, Any], participation_id: int) -> Any:
        return service.report_order_volume(
            auth.current_actor(), participation_id, **data
        )


@bp.route("/pledges")
class PledgeList(MethodView):
    @allow(*ANY_ROLE)
    @bp.arguments(s.PledgeQueryArgsSchema, location="query")
    @bp.response(200, s.PledgeSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        return service.list_pledges(
            auth.current_actor(),
            campaign_id=args.get("campaign_id"),
            enterprise_id=args.get("enterprise_id"),
        )

    @allow(R.ENTERPRISE, R.REGIONAL_REGULATOR, R.NATIONAL_REGULATOR)
    @bp.arguments(s.PledgeCreateSchema)
    @bp.response(201, s.PledgeSchema)
    def post(self, data: dict[str, Any]) -> Any:
        return service.draft_pledge(auth.current_actor(), data=data)


@bp.route("/pledges/<int:pledge_id>")
class PledgeDetail(MethodView):
    @allow(*ANY_ROLE)
    @bp.response(200, s.PledgeSchema)
    def get(self, pledge_id: int) -> Any:
        return service.get_pledge(auth.current_actor(), pledge_id)


@bp.route("/pledges/<int:pledge_id>/signature")
class PledgeSignature(MethodView):
    @allow(R.ENTERPRISE)
    @bp.arguments(s.SignatureSchema)
    @bp.response(200, s.PledgeSchema)
    def post(self, data: dict[str, Any], pledge_id: int) -> Any:
        return service.sign_pledge(
            auth.current_actor(),
            pledge_id,
            signatory=data["signatory"],
            signed_at=data.get("signed_at"),
        )


@bp.route("/pledges/<int:pledge_id>/late-signing-override")
class PledgeLateSigningOverride(MethodView):
    @allow(R.REGIONAL_REGULATOR, R.NATIONAL_REGULATOR)
    @bp.arguments(s.ReasonSchema)
    @bp.response(200, s.PledgeSchema)
    def post(self, data: dict[str, Any], pledge_id: int) -> Any:
        return service.allow_late_signing(
            auth.current_actor(), pledge_id, reason=data["reason"]
        )


@bp.route("/pledges/<int:pledge_id>/withdrawal")
class PledgeWithdrawal(MethodView):
    @allow(R.ENTERPRISE)
    @bp.arguments(s.ReasonSchema)
    @bp.response(200, s.PledgeSchema)
    def post(self, data: dict[str, Any], pledge_id: int) -> Any:
        return service.end_pledge(
            auth.current_actor(), pledge_id, action="withdraw", reason=data["reason"]
        )


@bp.route("/pledges/<int:pledge_id>/revocation")
class PledgeRevocation(MethodView):
    @allow(R.REGIONAL_REGULATOR, R.NATIONAL_REGULATOR)
    @bp.arguments(s.ReasonSchema)
    @bp.response(200, s.PledgeSchema)
    def post(self, data: dict[str, Any], pledge_id: int) -> Any:
        return service.end_pledge(
            auth.current_actor(), pledge_id, action="revoke", reason=data["reason"]
        )
