"""Registry use cases: regions, campaigns, enterprises, participations, pledges.

Each function takes the calling `Actor`, scopes what it reads to what the actor
may see, writes, audits and commits. A rule broken is raised as a DomainError
before anything is written.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError

from app.accounts import audit
from app.accounts.access import Actor, region_contains, region_prefix
from app.accounts.roles import Role
from app.clock import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound, field_error
from app.extensions import db
from app.pagination import paginate
from app.pledges import signing, uscc
from app.pledges.enums import CampaignScope, ParticipationStatus, PledgeStatus
from app.pledges.models import (
    Campaign,
    CampaignMilestone,
    CampaignRegionCap,
    CampaignSection,
    Enterprise,
    EnterpriseAlias,
    Obligation,
    Participation,
    Pledge,
    PledgeClause,
    PledgeTemplate,
    Region,
    as_dict,
)


def _rule_error(err: signing.RuleBroken, status: int = 409) -> Invalid:
    return Invalid(err.message_zh, err.message_en, status_code=status, reason=err.code)


def _not_found(kind_zh: str, kind_en: str, ident: Any) -> NotFound:
    return NotFound(f"未找到{kind_zh}（{ident}）。", f"{kind_en} {ident} not found.")


# Regions -------------------------------------------------------------------


def list_regions(*, level: str | None = None) -> list[Region]:
    """List regions, optionally of one level."""
    stmt = select(Region).order_by(Region.code)
    if level:
        stmt = stmt.where(Region.level == level)
    return list(db.session.scalars(stmt))


def get_region(code: str) -> Region:
    region = db.session.get(Region, code)
    if region is None:
        raise _not_found("地区", "Region", code)
    return region


def create_region(actor: Actor, *, data: Mapping[str, Any]) -> Region:
    """Add a GB/T 2260 region."""
    if db.session.get(Region, data["code"]) is not None:
        raise Conflict(
            f"地区代码 {data['code']} 已存在。", f"Region {data['code']} exists."
        )
    if data.get("parent_code"):
        _require_region(data["parent_code"], "parent_code")
    region = Region(**data)
    db.session.add(region)
    audit.record(actor, "region.create", "region", region.code, after=dict(data))
    db.session.commit()
    return region


def _require_region(code: str | None, field: str) -> None:
    if code is not None and db.session.get(Region, code) is None:
        raise field_error(
            field, f"未知的地区代码 {code}。", f"Unknown region code {code}."
        )


# Pledge templates ----------------------------------------------------------


def list_templates() -> list[PledgeTemplate]:
    return list(
        db.session.scalars(
            select(PledgeTemplate).order_by(PledgeTemplate.code, PledgeTemplate.version)
        )
    )


def get_template(template_id: int) -> PledgeTemplate:
    tpl = db.session.get(PledgeTemplate, template_id)
    if tpl is None:
        raise _not_found("承诺书模板", "Pledge template", template_id)
    return tpl


def create_template(actor: Actor, *, data: Mapping[str, Any]) -> PledgeTemplate:
    """Add a new version of a pledge template; versions count up per code."""
    numbers = [c["number"] for c in data["clauses"]]
    if len(set(numbers)) != len(numbers):
        raise field_error(
            "clauses", "条款编号不能重复。", "Clause numbers must be unique."
        )
    latest = db.session.scalar(
        select(func.max(PledgeTemplate.version)).where(
            PledgeTemplate.code == data["code"]
        )
    )
    tpl = PledgeTemplate(
        code=data["code"], version=(latest or 0) + 1, title=data["title"]
    )
    tpl.clauses = [
        PledgeClause(number=c["number"], text=c["text"]) for c in data["clauses"]
    ]
    db.session.add(tpl)
    db.session.flush()
    audit.record(
        actor,
        "pledge_template.create",
        "pledge_template",
        tpl.id,
        after={"code": tpl.code, "version": tpl.version, "clauses": numbers},
    )
    db.session.commit()
    return tpl


# Campaigns -----------------------------------------------------------------


def list_campaigns() -> list[Campaign]:
    return list(
        db.session.scalars(select(Campaign).order_by(Campaign.starts_at.desc()))
    )


def get_campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise _not_found("活动", "Campaign", campaign_id)
    return campaign


def create_campaign(actor: Actor, *, data: Mapping[str, Any]) -> Campaign:
    """Register a campaign with its sections, milestones and region caps."""
    _check_campaign(actor, data)
    if db.session.scalar(select(Campaign.id).where(Campaign.code == data["code"])):
        raise Conflict(
            f"活动代码 {data['code']} 已存在。",
            f"Campaign code {data['code']} exists.",
            errors={"code": ["duplicate"]},
        )
    fields = {
        k: v
        for k, v in data.items()
        if k not in ("sections", "milestones", "region_caps")
    }
    campaign = Campaign(**fields)
    campaign.sections = [
        CampaignSection(position=i + 1, **s)
        for i, s in enumerate(data.get("sections", []))
    ]
    campaign.milestones = [CampaignMilestone(**m) for m in data.get("milestones", [])]
    campaign.region_caps = [CampaignRegionCap(**c) for c in data.get("region_caps", [])]
    db.session.add(campaign)
    db.session.flush()
    audit.record(
        actor, "campaign.create", "campaign", campaign.id, after=as_dict(campaign)
    )
    db.session.commit()
    return campaign


def _check_campaign(actor: Actor, data: Mapping[str, Any]) -> None:
    if data["ends_at"] <= data["starts_at"]:
        raise field_error(
            "ends_at", "结束时间必须晚于开始时间。", "ends_at must be after starts_at."
        )
    if data["scope"] == CampaignScope.REGIONAL and not data.get("region_code"):
        raise field_error(
            "region_code",
            "地区性活动须指定地区。",
            "A regional campaign needs region_code.",
        )
    _require_region(data.get("region_code"), "region_code")
    for cap in data.get("region_caps", []):
        _require_region(cap["region_code"], "region_caps")
    template_id = data.get("pledge_template_id")
    if template_id is not None and db.session.get(PledgeTemplate, template_id) is None:
        raise field_error(
            "pledge_template_id", "未知的承诺书模板。", "Unknown pledge template."
        )
    if actor.role == Role.REGIONAL_REGULATOR and not (
        data["scope"] == CampaignScope.REGIONAL
        and actor.region_code
        and region_contains(actor.region_code, data.get("region_code"))
    ):
        raise Forbidden(
            "地区监管部门只能创建本地区的活动。",
            "A regional regulator may only create campaigns of its own region.",
        )


def region_cap(campaign: Campaign, region_code: str) -> int:
    """Return how many enterprises `region_code` may recommend."""
    for cap in campaign.region_caps:
        if cap.region_code == region_code:
            return cap.cap
    return campaign.default_region_cap


# Enterprises ---------------------------------------------------------------


def scoped_enterprises(actor: Actor) -> Select[Any]:
    """Select the enterprises the actor may see."""
    stmt = select(Enterprise)
    if actor.role == Role.ENTERPRISE:
        return stmt.where(Enterprise.id == (actor.enterprise_id or -1))
    if actor.role == Role.REGIONAL_REGULATOR:
        prefix = region_prefix(actor.region_code or "------")
        return stmt.where(Enterprise.region_code.startswith(prefix))
    return stmt


def list_enterprises(
    actor: Actor,
    *,
    q: str | None = None,
    region_code: str | None = None,
    page: int,
    per_page: int,
) -> dict[str, Any]:
    """Page through the enterprises the actor may see, optionally filtered."""
    stmt = scoped_enterprises(actor).order_by(Enterprise.id)
    if q:
        like = f"%{q}%"
        alias_hit = select(EnterpriseAlias.enterprise_id).where(
            EnterpriseAlias.alias.ilike(like)
        )
        stmt = stmt.where(
            or_(
                Enterprise.legal_name.ilike(like),
                Enterprise.uscc == q.upper(),
                Enterprise.id.in_(alias_hit),
            )
        )
    if region_code:
        stmt = stmt.where(Enterprise.region_code.startswith(region_prefix(region_code)))
    return paginate(stmt, page=page, per_page=per_page)


def get_enterprise(actor: Actor, enterprise_id: int) -> Enterprise:
    found = db.session.scalar(
        scoped_enterprises(actor).where(Enterprise.id == enterprise_id)
    )
    if found is None:
        raise _not_found("企业", "Enterprise", enterprise_id)
    return found


def _parse_uscc(raw: str | None) -> tuple[str | None, bool | None]:
    if raw is None or not raw.strip():
        return None, None
    try:
        parsed = uscc.parse(raw)
    except uscc.UsccError as exc:
        raise field_error(
            "uscc", f"统一社会信用代码无效：{exc}", f"Invalid USCC: {exc}"
        ) from exc
    return parsed.code, parsed.checksum_ok


def _check_uscc_free(code: str | None, own_id: int | None = None) -> None:
    if code is None:
        return
    other = db.session.scalar(select(Enterprise).where(Enterprise.uscc == code))
    if other is not None and other.id != own_id:
        raise Conflict(
            f"统一社会信用代码 {code} 已登记给企业“{other.legal_name}”"
            f"（编号 {other.id}）。",
            f"USCC {code} is already registered to '{other.legal_name}' "
            f"(id {other.id}).",
            errors={"uscc": [f"duplicate of enterprise {other.id}"]},
            reason="duplicate_uscc",
        )


def _check_enterprise_region(actor: Actor, region_code: str | None) -> None:
    _require_region(region_code, "region_code")
    if actor.role == Role.REGIONAL_REGULATOR and not region_contains(
        actor.region_code or "", region_code
    ):
        raise field_error(
            "region_code",
            "只能登记本地区的企业。",
            "A regional regulator may only register enterprises of its region.",
        )


def create_enterprise(actor: Actor, *, data: Mapping[str, Any]) -> Enterprise:
    """Register an enterprise with its normalised, validated USCC and aliases."""
    code, checksum_ok = _parse_uscc(data.get("uscc"))
    _check_uscc_free(code)
    _check_enterprise_region(actor, data.get("region_code"))
    fields = {k: v for k, v in data.items() if k not in ("uscc", "aliases")}
    ent = Enterprise(uscc=code, uscc_checksum_ok=checksum_ok, **fields)
    ent.aliases = [EnterpriseAlias(alias=a) for a in _unique(data.get("aliases", []))]
    db.session.add(ent)
    _flush_or_conflict()
    _generation[0] += 1
    audit.record(
        actor,
        "enterprise.create",
        "enterprise",
        ent.id,
        after=as_dict(ent) | {"aliases": ent.alias_names},
    )
    db.session.commit()
    return ent


def update_enterprise(
    actor: Actor, enterprise_id: int, *, data: Mapping[str, Any]
) -> Enterprise:
    """Change an enterprise's details; `aliases`, when given, replaces the list."""
    ent = get_enterprise(actor, enterprise_id)
    if actor.role == Role.ENTERPRISE and set(data) - {
        "contact_name",
        "contact_phone",
        "contact_email",
        "aliases",
    }:
        raise Forbidden(
            "企业联系人只能修改联系人和别名。",
            "An enterprise contact may only change its contact details and aliases.",
        )
    before = as_dict(ent) | {"aliases": ent.alias_names}
    changes = dict(data)
    if "uscc" in changes:
        changes["uscc"], ent.uscc_checksum_ok = _parse_uscc(changes["uscc"])
        _check_uscc_free(changes["uscc"], own_id=ent.id)
    moved = "region_code" in changes and changes["region_code"] != ent.region_code
    if "region_code" in changes:
        _check_enterprise_region(actor, changes["region_code"])
    if "aliases" in changes:
        # Keep rows that stay, so the flush never re-inserts a live (id, alias) pair.
        kept = {a.alias: a for a in ent.aliases}
        ent.aliases = [
            kept.get(a) or EnterpriseAlias(alias=a)
            for a in _unique(changes.pop("aliases"))
        ]
    for key, value in changes.items():
        setattr(ent, key, value)
    ent.updated_at = utcnow()  # alias-only changes must also refresh the matcher
    _flush_or_conflict()
    if moved:
        # Regional regulators see complaints by the enterprise's region too.
        from app.oversight import rollups

        rollups.on_enterprise_moved(ent.id)
    _generation[0] += 1
    audit.record(
        actor,
        "enterprise.update",
        "enterprise",
        ent.id,
        before=before,
        after=as_dict(ent) | {"aliases": ent.alias_names},
    )
    db.session.commit()
    return ent


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(i.strip() for i in items if i.strip()))


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(
            "与已有记录冲突。", "Conflicts with an existing record."
        ) from exc


# Participations --------------------------------------------------------------


def scoped_participations(actor: Actor) -> Select[Any]:
    stmt = select(Participation)
    if actor.role == Role.ENTERPRISE:
        return stmt.where(Participation.enterprise_id == (actor.enterprise_id or -1))
    if actor.role == Role.REGIONAL_REGULATOR:
        return stmt.where(
            Participation.region_code.startswith(
                region_prefix(actor.region_code or "------")
            )
        )
    return stmt


def list_participations(
    actor: Actor, *, campaign_id: int | None, status: str | None
) -> list[Participation]:
    stmt = scoped_participations(actor).order_by(Participation.id)
    if campaign_id is not None:
        stmt = stmt.where(Participation.campaign_id == campaign_id)
    if status:
        stmt = stmt.where(Participation.status == status)
    return list(db.session.scalars(stmt))


def get_participation(actor: Actor, participation_id: int) -> Participation:
    found = db.session.scalar(
        scoped_participations(actor).where(Participation.id == participation_id)
    )
    if found is None:
        raise _not_found("参与记录", "Participation", participation_id)
    return found


def recommend(actor: Actor, *, data: Mapping[str, Any]) -> Participation:
    """Recommend an enterprise for a campaign on behalf of a region (capped)."""
    campaign = _campaign_field(data["campaign_id"])
    ent = _enterprise_field(actor, data["enterprise_id"])
    region_code = data.get("region_code") or actor.region_code or ent.region_code
    if region_code is None:
        raise field_error("region_code", "请指定推荐地区。", "region_code is required.")
    _require_region(region_code, "region_code")
    if actor.role == Role.REGIONAL_REGULATOR and region_code != actor.region_code:
        raise field_error(
            "region_code",
            "只能以本地区名义推荐。",
            "You may only recommend for your own region.",
        )
    existing = db.session.scalar(
        select(Participation).where(
            Participation.campaign_id == campaign.id,
            Participation.enterprise_id == ent.id,
        )
    )
    if existing is not None:
        raise Conflict(
            f"该企业已被推荐参加本活动（记录 {existing.id}）。",
            f"Already recommended for this campaign (participation {existing.id}).",
        )
    count = (
        db.session.scalar(
            select(func.count())
            .select_from(Participation)
            .where(
                Participation.campaign_id == campaign.id,
                Participation.region_code == region_code,
            )
        )
        or 0
    )
    try:
        signing.check_recommendation_cap(count, region_cap(campaign, region_code))
    except signing.RuleBroken as err:
        raise _rule_error(err) from err
    part = Participation(
        campaign_id=campaign.id,
        enterprise_id=ent.id,
        region_code=region_code,
        status=ParticipationStatus.RECOMMENDED,
        note=data.get("note"),
    )
    db.session.add(part)
    db.session.flush()
    audit.record(
        actor, "participation.recommend", "participation", part.id, after=as_dict(part)
    )
    db.session.commit()
    return part


def decide(
    actor: Actor, participation_id: int, *, decision: str, note: str | None = None
) -> Participation:
    """Approve (needs a signed pledge) or reject a recommended participation."""
    part = get_participation(actor, participation_id)
    if part.status != ParticipationStatus.RECOMMENDED:
        raise Conflict(
            f"该参与记录已是 {part.status} 状态。",
            f"The participation is already {part.status}.",
        )
    if decision == "approve":
        pledge = _active_pledge(part.campaign_id, part.enterprise_id)
        try:
            signing.check_approval(PledgeStatus(pledge.status) if pledge else None)
        except signing.RuleBroken as err:
            raise _rule_error(err) from err
    before = as_dict(part)
    part.status = signing.DECISIONS[decision]
    part.decided_at = utcnow()
    part.decision_note = note
    audit.record(
        actor,
        f"participation.{decision}",
        "participation",
        part.id,
        before=before,
        after=as_dict(part),
    )
    db.session.commit()
    return part


def report_order_volume(
    actor: Actor, participation_id: int, *, orders: int
) -> Participation:
    """Record the enterprise's order count in the campaign (rates per 10k orders)."""
    part = get_participation(actor, participation_id)
    before = as_dict(part)
    part.order_volume = orders
    audit.record(
        actor,
        "participation.order_volume",
        "participation",
        part.id,
        before=before,
        after=as_dict(part),
    )
    db.session.commit()
    return part


def _campaign_field(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise field_error(
            "campaign_id",
            f"未知的活动编号 {campaign_id}。",
            f"Unknown campaign {campaign_id}.",
        )
    return campaign


def _enterprise_field(actor: Actor, enterprise_id: int) -> Enterprise:
    ent = db.session.scalar(
        scoped_enterprises(actor).where(Enterprise.id == enterprise_id)
    )
    if ent is None:
        raise field_error(
            "enterprise_id",
            f"未知的企业编号 {enterprise_id}。",
            f"Unknown enterprise {enterprise_id}.",
        )
    return ent


# Pledges -------------------------------------------------------------------


def _active_pledge(campaign_id: int, enterprise_id: int) -> Pledge | None:
    return db.session.scalar(
        select(Pledge).where(
            Pledge.campaign_id == campaign_id,
            Pledge.enterprise_id == enterprise_id,
            Pledge.status.in_([PledgeStatus.DRAFT, PledgeStatus.SIGNED]),
        )
    )


def scoped_pledges(actor: Actor) -> Select[Any]:
    stmt = select(Pledge)
    if actor.role == Role.ENTERPRISE:
        return stmt.where(Pledge.enterprise_id == (actor.enterprise_id or -1))
    if actor.role == Role.REGIONAL_REGULATOR:
        return stmt.where(
            Pledge.enterprise_id.in_(
                scoped_enterprises(actor).with_only_columns(Enterprise.id)
            )
        )
    return stmt


def list_pledges(
    actor: Actor, *, campaign_id: int | None, enterprise_id: int | None
) -> list[Pledge]:
    stmt = scoped_pledges(actor).order_by(Pledge.id)
    if campaign_id is not None:
        stmt = stmt.where(Pledge.campaign_id == campaign_id)
    if enterprise_id is not None:
        stmt = stmt.where(Pledge.enterprise_id == enterprise_id)
    return list(db.session.scalars(stmt))


def get_pledge(actor: Actor, pledge_id: int) -> Pledge:
    found = db.session.scalar(scoped_pledges(actor).where(Pledge.id == pledge_id))
    if found is None:
        raise _not_found("承诺书", "Pledge", pledge_id)
    return found


def draft_pledge(actor: Actor, *, data: Mapping[str, Any]) -> Pledge:
    """Open a draft pledge with one obligation per clause of the campaign's template."""
    campaign = _campaign_field(data["campaign_id"])
    enterprise_id = data.get("enterprise_id") or actor.enterprise_id
    if enterprise_id is None:
        raise field_error("enterprise_id", "请指定企业。", "enterprise_id is required.")
    ent = _enterprise_field(actor, enterprise_id)
    template_id = data.get("template_id") or campaign.pledge_template_id
    if template_id is None:
        raise field_error(
            "template_id",
            "该活动没有承诺书模板，请指定模板。",
            "The campaign has no pledge template; give template_id.",
        )
    tpl = db.session.get(PledgeTemplate, template_id)
    if tpl is None:
        raise field_error(
            "template_id", "未知的承诺书模板。", "Unknown pledge template."
        )
    if _active_pledge(campaign.id, ent.id) is not None:
        raise Conflict(
            "该企业在本活动已有有效的承诺书。",
            "The enterprise already has an active pledge for this campaign.",
        )
    pledge = Pledge(
        campaign_id=campaign.id,
        enterprise_id=ent.id,
        template_id=tpl.id,
        status=PledgeStatus.DRAFT,
    )
    pledge.obligations = [
        Obligation(clause_number=c.number, text=c.text) for c in tpl.clauses
    ]
    db.session.add(pledge)
    db.session.flush()
    audit.record(actor, "pledge.draft", "pledge", pledge.id, after=as_dict(pledge))
    db.session.commit()
    return pledge


def sign_pledge(
    actor: Actor, pledge_id: int, *, signatory: str, signed_at: datetime | None
) -> Pledge:
    """Sign a draft pledge; after the campaign has started only with an override."""
    pledge = get_pledge(actor, pledge_id)
    campaign = get_campaign(pledge.campaign_id)
    when = signed_at or utcnow()
    if when > utcnow():
        raise field_error(
            "signed_at",
            "签署时间不能晚于当前时间。",
            "signed_at cannot be in the future.",
        )
    try:
        target = signing.next_pledge_status(PledgeStatus(pledge.status), "sign")
    except signing.RuleBroken as err:
        raise _rule_error(err) from err
    check = signing.check_signing(
        when, campaign.starts_at, override_recorded=bool(pledge.late_signing_reason)
    )
    if not check.allowed:
        raise Invalid(
            "活动已开始，须在活动开始前签署承诺书；如确需补签，须由监管部门登记补签理由。",
            "The campaign has started: the pledge had to be signed before it. A late "
            "signature needs a regulator's override with a reason.",
            status_code=409,
            reason="signing_deadline_passed",
        )
    before = as_dict(pledge)
    pledge.status, pledge.signatory, pledge.signed_at = target, signatory, when
    audit.record(
        actor, "pledge.sign", "pledge", pledge.id, before=before, after=as_dict(pledge)
    )
    db.session.commit()
    return pledge


def allow_late_signing(actor: Actor, pledge_id: int, *, reason: str) -> Pledge:
    """Record a regulator's override that lets a draft be signed after the start."""
    pledge = get_pledge(actor, pledge_id)
    if pledge.status != PledgeStatus.DRAFT:
        raise Conflict(
            "只有草稿状态的承诺书可以登记补签。",
            "Only a draft pledge can get a late-signing override.",
        )
    before = as_dict(pledge)
    pledge.late_signing_reason = reason
    audit.record(
        actor,
        "pledge.late_signing_override",
        "pledge",
        pledge.id,
        before=before,
        after=as_dict(pledge),
        note=reason,
    )
    db.session.commit()
    return pledge


def end_pledge(actor: Actor, pledge_id: int, *, action: str, reason: str) -> Pledge:
    """Withdraw (enterprise) or revoke (regulator) a pledge, with a reason."""
    pledge = get_pledge(actor, pledge_id)
    try:
        target = signing.next_pledge_status(PledgeStatus(pledge.status), action)
    except signing.RuleBroken as err:
        raise _rule_error(err) from err
    before = as_dict(pledge)
    pledge.status, pledge.status_reason = target, reason
    audit.record(
        actor,
        f"pledge.{action}",
        "pledge",
        pledge.id,
        before=before,
        after=as_dict(pledge),
        note=reason,
    )
    db.session.commit()
    return pledge


def campaign_for(enterprise_id: int | None, when: datetime) -> Campaign | None:
    """Return the campaign in which the enterprise took part at instant `when`."""
    if enterprise_id is None:
        return None
    return db.session.scalar(
        select(Campaign)
        .join(Participation, Participation.campaign_id == Campaign.id)
        .where(
            Participation.enterprise_id == enterprise_id,
            Participation.status == ParticipationStatus.APPROVED,
            Campaign.starts_at <= when,
            Campaign.ends_at > when,
        )
        .order_by(Campaign.starts_at.desc())
        .limit(1)
    )


def matcher_candidates() -> list[tuple[int, str, str | None, tuple[str, ...]]]:
    """Every enterprise's id, legal name, USCC and aliases, for the matcher."""
    aliases: dict[int, list[str]] = {}
    for ent_id, alias in db.session.execute(
        select(EnterpriseAlias.enterprise_id, EnterpriseAlias.alias)
    ):
        aliases.setdefault(ent_id, []).append(alias)
    rows = db.session.execute(
        select(Enterprise.id, Enterprise.legal_name, Enterprise.uscc)
    )
    return [(i, name, code, tuple(aliases.get(i, ()))) for i, name, code in rows]


_generation = [0]


def registry_generation() -> int:
    """A counter this process bumps on every enterprise write (cache invalidation)."""
    return _generation[0]


def registry_signature() -> tuple[Any, ...]:
    """A cheap fingerprint that changes whenever enterprises or aliases change."""
    ents = db.session.execute(
        select(
            func.count(Enterprise.id),
            func.max(Enterprise.id),
            func.max(Enterprise.updated_at),
        )
    ).one()
    als = db.session.execute(
        select(func.count(EnterpriseAlias.id), func.max(EnterpriseAlias.id))
    ).one()
    return (*ents, *als)
