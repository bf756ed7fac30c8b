"""Builders for oversight tests: actors, complaints moved along, festival setup."""

from datetime import datetime
from typing import Any

from app.accounts.access import SYSTEM, Actor
from app.accounts.roles import Role
from app.complaints import service as complaints
from app.complaints import workflow
from app.complaints.enums import Channel
from app.complaints.models import Complaint
from app.complaints.schemas import ComplaintCreateSchema
from app.pledges import service as registry
from app.pledges.models import Campaign, Enterprise, Pledge
from tests import builders as b

NATIONAL = Actor(user_id=None, role=Role.NATIONAL_REGULATOR)
EXCLUSIVE_FACTS = "平台逼商家二选一，否则就下架商品、搜索降权，商家只能在这个平台开店。"


def association(region_code: str = "410100") -> Actor:
    org = b.organisation("association", region_code=region_code)
    return Actor(
        None, Role.ASSOCIATION, organisation_id=org.id, region_code=region_code
    )


def regional(region_code: str) -> Actor:
    return Actor(None, Role.REGIONAL_REGULATOR, region_code=region_code)


def enterprise_actor(ent: Enterprise) -> Actor:
    return Actor(None, Role.ENTERPRISE, enterprise_id=ent.id)


def complaint(filer: Actor, *, now: datetime | None = None, **body: Any) -> Complaint:
    data = ComplaintCreateSchema().load(b.complaint_body(**body))
    c, _ = complaints.file_complaint(filer, data=data, channel=Channel.API, now=now)
    return c


def steps(
    c: Complaint, *actions: str, actor: Actor = NATIONAL, **extra: Any
) -> Complaint:
    """Take lifecycle actions as the right role for each (regulator by default)."""
    ent = Actor(None, Role.ENTERPRISE, enterprise_id=c.enterprise_id)
    assoc = Actor(None, Role.ASSOCIATION, organisation_id=c.filer_org_id)
    by_role = {
        "respond": (ent, {"note": "已处理"}),
        "resolve": (ent, {}),
        "confirm": (assoc, {"ratings": {"attitude": 4, "speed": 3, "satisfaction": 5}}),
        "dispute": (assoc, {"note": "仍未解决"}),
        "withdraw": (assoc, {}),
        "reject": (actor, {"reason": "outside_remit"}),
        "mark_unresolved": (actor, {"note": "未解决"}),
        "close": (actor, {"note": "办结"}),
        "terminate_mediation": (actor, {"reason": "refused_mediation"}),
    }
    for action in actions:
        who, data = by_role.get(action, (actor, {}))
        workflow.transition(who, c.id, data={"action": action, **data, **extra})
    return c


def festival(ent: Enterprise, **campaign: Any) -> tuple[Campaign, Pledge]:
    """A 2021-04-28..05-10 campaign the enterprise joined, with its signed pledge."""
    camp = b.campaign(**campaign)
    part = registry.recommend(
        SYSTEM,
        data={
            "campaign_id": camp.id,
            "enterprise_id": ent.id,
            "region_code": ent.region_code or "110000",
        },
    )
    pledge = registry.draft_pledge(
        SYSTEM, data={"campaign_id": camp.id, "enterprise_id": ent.id}
    )
    registry.sign_pledge(
        SYSTEM, pledge.id, signatory="张三", signed_at=b.local(2021, 4, 1)
    )
    registry.decide(SYSTEM, part.id, decision="approve")
    return camp, pledge
