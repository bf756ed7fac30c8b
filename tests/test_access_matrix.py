"""Every API endpoint × every role × own vs other organisation.

Generated from the URL map: an endpoint without a role rule, or with an id
parameter that has no scoping rule below, fails here, so a new endpoint
cannot slip in unguarded.
"""

import io
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask

from app.accounts.access import SYSTEM
from app.accounts.roles import Role
from app.complaints import service as complaints
from app.complaints import workflow
from app.complaints.enums import Channel
from app.pledges import service as registry
from tests import builders as b

METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")
# Id parameters naming objects that belong to an organisation. The roles listed
# are the ones whose view of such objects is limited to their own organisation.
SCOPED_PARAMS: dict[str, set[Role]] = {
    "complaint_id": {Role.ASSOCIATION, Role.ENTERPRISE, Role.REGIONAL_REGULATOR},
    "enterprise_id": {Role.ENTERPRISE, Role.REGIONAL_REGULATOR},
    "participation_id": {Role.ENTERPRISE, Role.REGIONAL_REGULATOR},
    "pledge_id": {Role.ENTERPRISE, Role.REGIONAL_REGULATOR},
    "attachment_id": {Role.ASSOCIATION, Role.ENTERPRISE, Role.REGIONAL_REGULATOR},
    "token_id": set(Role) - {Role.ADMIN},
}
# Parameters naming shared reference data every signed-in user may read.
PUBLIC_PARAMS = {
    "campaign_id",
    "template_id",
    "year",
    "code",
    "policy_id",
    "day",
    "date",
    "pack_id",
    "flag_id",
    "violation_id",
    "export_id",
    "report_id",
    "job_id",
}

# Plausible bodies so a refusal cannot come from validation instead of scoping.
BODIES: dict[str, Any] = {
    "oversight.ComplaintViolations": {"categories": ["counterfeit"], "note": "查实"},
    "oversight.ComplaintContests": {"category": "counterfeit", "reason": "并非假货"},
    "oversight.ComplaintContestRulings": {
        "category": "counterfeit",
        "upheld": True,
        "reason": "维持",
    },
    "complaints.ComplaintTransition": {"action": "respond", "note": "已处理"},
    "complaints.ComplaintMessages": {"body": "您好"},
    "complaints.ComplaintEnterprise": {"enterprise_id": 1},
    "complaints.ComplaintLabels": {"labels": [], "reason": "复核"},
    "complaints.ComplaintPauses": {"reason": "recusal"},
    "complaints.ComplaintResumption": {"reason": "recusal"},
    "pledges.EnterpriseDetail": {"contact_name": "李四"},
    "pledges.ParticipationDecision": {"decision": "reject"},
    "pledges.ParticipationOrderVolume": {"orders": 10},
    "pledges.PledgeSignature": {"signatory": "李四"},
    "pledges.PledgeLateSigningOverride": {"reason": "补签"},
    "pledges.PledgeWithdrawal": {"reason": "退出"},
    "pledges.PledgeRevocation": {"reason": "违约"},
}


@dataclass
class Side:
    headers: dict[Role, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)


def _side(region: str, tag: str) -> Side:
    side = Side()
    b.region(region, f"地区{region}", "province")
    ent = b.enterprise(f"{tag}科技有限公司", region_code=region, aliases=(tag,))
    assoc = b.organisation("association", region_code=region)
    authority = b.organisation("authority", region_code=region)
    users = {
        Role.ASSOCIATION: b.user("association", assoc),
        Role.ENTERPRISE: b.user("enterprise", ent),
        Role.REGIONAL_REGULATOR: b.user("regional_regulator", authority),
        Role.NATIONAL_REGULATOR: b.user(
            "national_regulator", b.organisation("authority", region_code=None)
        ),
        Role.ADMIN: b.user("admin"),
    }
    side.headers = {role: b.bearer(u) for role, u in users.items()}
    from app.accounts import auth

    assoc_actor = auth.actor_for(users[Role.ASSOCIATION])
    c, _ = complaints.file_complaint(
        assoc_actor,
        channel=Channel.API,
        data=_loaded(
            b.complaint_body(enterprise_name=f"{tag}科技有限公司", region_code=region)
        ),
    )
    reg = auth.actor_for(users[Role.REGIONAL_REGULATOR])
    workflow.transition(reg, c.id, data={"action": "accept"})
    workflow.transition(reg, c.id, data={"action": "forward"})
    att = complaints.add_attachment(
        assoc_actor,
        c.id,
        filename="e.png",
        content=b"\x89PNG\r\n\x1a\n" + bytes(16),
        root=_upload_root(),
        max_bytes=10**6,
    )
    camp = b.campaign()
    part = registry.recommend(
        SYSTEM,
        data={"campaign_id": camp.id, "enterprise_id": ent.id, "region_code": region},
    )
    pledge = registry.draft_pledge(
        SYSTEM, data={"campaign_id": camp.id, "enterprise_id": ent.id}
    )
    from app.accounts import service as accounts

    token_row, _ = accounts.create_token(SYSTEM, users[Role.ASSOCIATION], name="x")
    side.ids = {
        "complaint_id": c.id,
        "enterprise_id": ent.id,
        "participation_id": part.id,
        "pledge_id": pledge.id,
        "attachment_id": att.id,
        "token_id": token_row.id,
        "campaign_id": camp.id,
        "template_id": camp.pledge_template_id,
    }
    side.headers_by_user = users  # type: ignore[attr-defined]
    return side


def _upload_root() -> str:
    from flask import current_app

    return str(current_app.config["UPLOAD_DIR"])


def _loaded(body: dict[str, Any]) -> dict[str, Any]:
    from app.complaints.schemas import ComplaintCreateSchema

    return ComplaintCreateSchema().load(body)


def _api_endpoints(app: Flask) -> list[tuple[str, str, str, list[str]]]:
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        view = app.view_functions[rule.endpoint]
        cls = getattr(view, "view_class", None)
        for method in sorted(set(rule.methods or ()) & set(METHODS)):
            func = getattr(cls, method.lower(), None) if cls else view
            found.append(
                (rule.rule, rule.endpoint, method, getattr(func, "allowed_roles", None))
            )
    return found


def test_every_endpoint_has_a_role_rule_and_every_id_a_scoping_rule(app) -> None:
    endpoints = _api_endpoints(app)
    assert len(endpoints) > 30
    missing = [(r, m) for r, _e, m, roles in endpoints if roles is None]
    assert missing == [], f"endpoints without @allow(...): {missing}"
    unknown = {
        p
        for r, *_ in endpoints
        for p in re.findall(r"<(?:\w+:)?(\w+)>", r)
        if p not in SCOPED_PARAMS and p not in PUBLIC_PARAMS
    }
    assert unknown == set(), f"id parameters without a scoping rule: {unknown}"


def _url(rule: str, ids: dict[str, int]) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        return str(ids.get(name, 2021 if name != "code" else 410000))

    return re.sub(r"<(?:\w+:)?(\w+)>", sub, rule)


def _call(
    client: Any, method: str, url: str, endpoint: str, headers: dict[str, str]
) -> Any:
    kwargs: dict[str, Any] = {"headers": headers}
    if method in ("POST", "PATCH", "PUT"):
        if endpoint.endswith(("Attachments", "Import")):
            kwargs["data"] = {
                "file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(8)), "a.png")
            }
            kwargs["content_type"] = "multipart/form-data"
        else:
            kwargs["json"] = BODIES.get(endpoint, {})
    return client.open(url, method=method, **kwargs)


@pytest.fixture
def world(app) -> tuple[Side, Side]:
    b.regions()
    return _side("410000", "甲方"), _side("440000", "乙方")


def test_roles_outside_the_rule_get_403_and_nobody_gets_a_500(
    app, client, world
) -> None:
    own, _ = world
    for rule, endpoint, method, allowed in _api_endpoints(app):
        for role in Role:
            resp = _call(
                client, method, _url(rule, own.ids), endpoint, own.headers[role]
            )
            where = f"{method} {rule} as {role}"
            assert resp.status_code < 500, where
            if role not in allowed:
                assert resp.status_code == 403, where
            else:
                assert resp.status_code not in (401, 403) or endpoint.endswith(
                    (
                        "EnterpriseDetail",
                        "ComplaintPersonalData",
                        "ComplaintMessages",
                        "PledgeList",
                        "CampaignList",
                    )
                ), where
            resp.close()


def test_no_role_reads_or_writes_another_organisations_objects(
    app, client, world
) -> None:
    own, other = world
    checked = 0
    for rule, endpoint, method, allowed in _api_endpoints(app):
        params = set(re.findall(r"<(?:\w+:)?(\w+)>", rule))
        scoped = params & set(SCOPED_PARAMS)
        if not scoped:
            continue
        for role in allowed:
            if not all(role in SCOPED_PARAMS[p] for p in scoped):
                continue
            resp = _call(
                client, method, _url(rule, other.ids), endpoint, own.headers[role]
            )
            assert not 200 <= resp.status_code < 300, (
                f"{method} {rule} as {role} crossed over"
            )
            assert resp.status_code in (403, 404, 409), (
                f"{method} {rule} as {role}: {resp.status_code}"
            )
            resp.close()
            checked += 1
    assert checked > 30


def test_own_objects_are_readable_by_every_role_that_may_read_them(
    app, client, world
) -> None:
    own, _ = world
    for rule, endpoint, method, allowed in _api_endpoints(app):
        if method != "GET" or "<" not in rule:
            continue
        for role in allowed:
            if role == Role.ENTERPRISE and "token_id" in rule:
                continue
            resp = _call(
                client, method, _url(rule, own.ids), endpoint, own.headers[role]
            )
            assert resp.status_code == 200, f"GET {rule} as {role}: {resp.status_code}"
            resp.close()
