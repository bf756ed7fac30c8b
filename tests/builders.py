"""Plain builder functions for test data (no factories, no fakes)."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.accounts import service as accounts
from app.accounts.access import SYSTEM
from app.accounts.models import Organisation, User
from app.extensions import db
from app.pledges import service as registry
from app.pledges.models import Campaign, Enterprise, PledgeTemplate, Region

SH = ZoneInfo("Asia/Shanghai")
_counter = iter(range(1, 10**9))


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def region(
    code: str = "410000",
    name: str = "河南省",
    level: str = "province",
    parent: str | None = None,
) -> Region:
    found = db.session.get(Region, code)
    if found:
        return found
    r = Region(code=code, name=name, level=level, parent_code=parent)
    db.session.add(r)
    db.session.commit()
    return r


def regions() -> None:
    region("410000", "河南省")
    region("410100", "郑州市", "city", "410000")
    region("110000", "北京市")
    region("330000", "浙江省")


def template(code: str = "tpl", clauses: int = 6) -> PledgeTemplate:
    return registry.create_template(
        SYSTEM,
        data={
            "code": code,
            "title": "承诺书",
            "clauses": [
                {"number": i, "text": f"第{i}条承诺"} for i in range(1, clauses + 1)
            ],
        },
    )


def campaign(**over: Any) -> Campaign:
    regions()
    n = next(_counter)
    data: dict[str, Any] = {
        "code": f"camp-{n}",
        "name": f"活动{n}",
        "theme": None,
        "organisers": ["商务部"],
        "starts_at": local(2021, 4, 28),
        "ends_at": local(2021, 5, 11),
        "scope": "national",
        "region_code": None,
        "default_region_cap": 5,
        "pledge_template_id": template(f"tpl-{n}").id,
        "sections": [],
        "milestones": [],
        "region_caps": [],
    }
    data.update(over)
    return registry.create_campaign(SYSTEM, data=data)


def enterprise(
    name: str | None = None,
    *,
    region_code: str | None = "410100",
    uscc: str | None = None,
    aliases: tuple[str, ...] = (),
) -> Enterprise:
    regions()
    n = next(_counter)
    return registry.create_enterprise(
        SYSTEM,
        data={
            "legal_name": name or f"测试企业{n}有限公司",
            "uscc": uscc,
            "kind": "platform",
            "region_code": region_code,
            "aliases": list(aliases),
        },
    )


def organisation(
    kind: str = "association",
    name: str | None = None,
    region_code: str | None = "410100",
) -> Organisation:
    regions()
    return accounts.create_organisation(
        SYSTEM, kind=kind, name=name or f"机构{next(_counter)}", region_code=region_code
    )


def user(
    role: str,
    org: Organisation | Enterprise | None = None,
    password: str | None = "secret-pass-1",
) -> User:
    ref = None if org is None else org.id
    return accounts.create_user(
        SYSTEM,
        data={
            "email": f"u{next(_counter)}@example.cn",
            "role": role,
            "org": ref,
            "password": password,
        },
    )


def token_for(u: User) -> str:
    return accounts.create_token(SYSTEM, u, name="test")[1]


def bearer(u: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(u)}"}


def actor_headers(role: str, **kw: Any) -> tuple[User, dict[str, str]]:
    """A user of `role` in a fresh organisation (or enterprise) and its auth header."""
    if role == "enterprise":
        org: Any = kw.get("enterprise") or enterprise()
    elif role == "admin":
        org = None
    elif role == "association":
        org = kw.get("org") or organisation("association")
    elif role == "regional_regulator":
        org = kw.get("org") or organisation(
            "authority", region_code=kw.get("region_code", "410100")
        )
    else:
        org = kw.get("org") or organisation("authority", region_code=None)
    u = user(role, org)
    return u, bearer(u)


def complaint_body(**over: Any) -> dict[str, Any]:
    """A valid complaint request body (API field names)."""
    body: dict[str, Any] = {
        "complainant_name": "张小明",
        "complainant_phone": "13812341234",
        "complainant_address": "河南省郑州市金水区花园路1号",
        "enterprise_name": "京东",
        "platform_name": "京东商城",
        "shop_name": "某某旗舰店",
        "order_no": f"JD{next(_counter):010d}",
        "purchase_date": "2021-04-29",
        "amount": "299.00",
        "request_type": "refund",
        "request_text": "退一赔三",
        "facts": "在活动期间购买的耳机收到后发现是假货，做工粗糙，与正品差别很大，商家拒绝退款。",
    }
    body.update(over)
    return body


def jd() -> Enterprise:
    """The JD.com mall operator with its common aliases."""
    return enterprise(
        "北京京东世纪贸易有限公司",
        region_code="110000",
        aliases=("京东", "京东商城", "JD", "jd.com"),
    )
