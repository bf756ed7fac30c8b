import pytest
from sqlalchemy import func, select

from app.accounts.access import SYSTEM, Actor
from app.accounts.models import AuditEntry
from app.accounts.roles import Role
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.pledges import service
from app.pledges.models import Enterprise, Participation
from tests import builders as b


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_duplicate_uscc_is_a_conflict_naming_the_existing_enterprise(app) -> None:
    first = b.enterprise("华为技术有限公司", uscc="914403001922038216")
    with pytest.raises(Conflict) as err:
        b.enterprise("另一家公司", uscc="9144 0300 1922 0382 16")
    assert "华为技术有限公司" in err.value.message
    assert str(first.id) in err.value.message_en
    assert _count(Enterprise) == 1


def test_wrong_check_character_is_stored_with_a_warning(app) -> None:
    ent = b.enterprise(uscc="914403001922038217")
    assert ent.uscc_warning == "check_character_mismatch"


def test_region_may_not_recommend_beyond_its_cap(app) -> None:
    camp = b.campaign()
    for _ in range(5):
        service.recommend(
            SYSTEM,
            data={
                "campaign_id": camp.id,
                "enterprise_id": b.enterprise().id,
                "region_code": "410000",
            },
        )
    with pytest.raises(Invalid) as err:
        service.recommend(
            SYSTEM,
            data={
                "campaign_id": camp.id,
                "enterprise_id": b.enterprise().id,
                "region_code": "410000",
            },
        )
    assert "5" in err.value.message_en and err.value.reason == "recommendation_cap"
    assert _count(Participation) == 5


def test_campaign_can_grant_a_region_a_higher_cap(app) -> None:
    camp = b.campaign(region_caps=[{"region_code": "410000", "cap": 6}])
    for _ in range(6):
        service.recommend(
            SYSTEM,
            data={
                "campaign_id": camp.id,
                "enterprise_id": b.enterprise().id,
                "region_code": "410000",
            },
        )
    assert _count(Participation) == 6


def test_approval_needs_a_signed_pledge_then_succeeds(app) -> None:
    camp = b.campaign()
    ent = b.enterprise()
    part = service.recommend(
        SYSTEM,
        data={"campaign_id": camp.id, "enterprise_id": ent.id, "region_code": "410000"},
    )
    with pytest.raises(Invalid, match="pledge"):
        service.decide(SYSTEM, part.id, decision="approve", note=None)
    pledge = service.draft_pledge(
        SYSTEM, data={"campaign_id": camp.id, "enterprise_id": ent.id}
    )
    assert [o.clause_number for o in pledge.obligations] == [1, 2, 3, 4, 5, 6]
    service.sign_pledge(
        SYSTEM, pledge.id, signatory="张三", signed_at=b.local(2021, 4, 20)
    )
    assert (
        service.decide(SYSTEM, part.id, decision="approve", note=None).status
        == "approved"
    )


def test_late_signing_is_refused_until_a_regulator_records_an_override(app) -> None:
    camp = b.campaign()
    pledge = service.draft_pledge(
        SYSTEM, data={"campaign_id": camp.id, "enterprise_id": b.enterprise().id}
    )
    with pytest.raises(Invalid) as err:
        service.sign_pledge(
            SYSTEM, pledge.id, signatory="张三", signed_at=b.local(2021, 4, 29)
        )
    assert err.value.reason == "signing_deadline_passed"
    service.allow_late_signing(SYSTEM, pledge.id, reason="系统故障导致未能按时签署")
    signed = service.sign_pledge(
        SYSTEM, pledge.id, signatory="张三", signed_at=b.local(2021, 4, 29)
    )
    assert signed.status == "signed"
    actions = db.session.scalars(
        select(AuditEntry.action).order_by(AuditEntry.seq)
    ).all()
    assert "pledge.late_signing_override" in actions and actions[-1] == "pledge.sign"


def test_signed_pledge_can_be_revoked_with_a_reason_but_not_signed_again(app) -> None:
    camp = b.campaign()
    pledge = service.draft_pledge(
        SYSTEM, data={"campaign_id": camp.id, "enterprise_id": b.enterprise().id}
    )
    service.sign_pledge(
        SYSTEM, pledge.id, signatory="张三", signed_at=b.local(2021, 4, 1)
    )
    revoked = service.end_pledge(
        SYSTEM, pledge.id, action="revoke", reason="严重违反承诺"
    )
    assert (revoked.status, revoked.status_reason) == ("revoked", "严重违反承诺")
    with pytest.raises(Invalid):
        service.sign_pledge(SYSTEM, pledge.id, signatory="张三", signed_at=None)


def test_enterprise_contact_sees_only_its_own_enterprise(app) -> None:
    own, other = b.enterprise(), b.enterprise()
    actor = Actor(user_id=1, role=Role.ENTERPRISE, enterprise_id=own.id)
    assert service.get_enterprise(actor, own.id).id == own.id
    with pytest.raises(NotFound):
        service.get_enterprise(actor, other.id)


def test_regional_regulator_sees_enterprises_inside_its_region(app) -> None:
    zz = b.enterprise(region_code="410100")
    bj = b.enterprise(region_code="110000")
    henan = Actor(user_id=1, role=Role.REGIONAL_REGULATOR, region_code="410000")
    page = service.list_enterprises(
        henan, q=None, region_code=None, page=1, per_page=50
    )
    assert [e.id for e in page["items"]] == [zz.id]
    with pytest.raises(NotFound):
        service.get_enterprise(henan, bj.id)
