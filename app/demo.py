"""`flask demo load`: the two seed campaigns, their enterprises and one user per role.

Idempotent: every object is looked up by its natural key first, so running it
twice changes nothing. USCCs are given only where the domain brief lists a
real, published one; other enterprises have none. Where the operating
company's legal name could not be verified, the trade name stands in.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.accounts import service as accounts
from app.accounts.access import SYSTEM
from app.accounts.models import User
from app.extensions import db
from app.pledges import reference, service
from app.pledges.models import (
    Campaign,
    Enterprise,
    Participation,
    Pledge,
    PledgeTemplate,
    Region,
)

cli = AppGroup("demo", help="Demo data.")
SH = ZoneInfo("Asia/Shanghai")
DEMO_PASSWORD = "demo12345"

# (legal name, uscc, kind, region, aliases)
ENTERPRISES: tuple[tuple[str, str | None, str, str | None, tuple[str, ...]], ...] = (
    (
        "拉扎斯网络科技（上海）有限公司",
        None,
        "platform",
        "310000",
        ("饿了么", "ele.me", "饿了么外卖"),
    ),
    (
        "北京三快在线科技有限公司",
        None,
        "platform",
        "110000",
        ("美团", "美团点评", "美团外卖", "大众点评"),
    ),
    ("京东到家", None, "platform", None, ("京东到家",)),
    ("UU跑腿", None, "platform", "410100", ("UU跑腿", "UU")),
    ("云书网", None, "platform", "410100", ("云书网",)),
    ("交广领航", None, "platform", "410100", ("交广领航", "1041商城")),
    ("中大门", None, "platform", "410100", ("中大门",)),
    ("考拉海购", None, "platform", "330100", ("考拉海购", "网易考拉", "kaola")),
    ("喜买网", None, "platform", "410100", ("喜买网",)),
    ("丹尼斯", None, "retailer", "410100", ("丹尼斯", "丹尼斯百货", "Dennis")),
    ("大商", None, "retailer", "410100", ("大商", "大商集团")),
    ("熙地港", None, "retailer", "410100", ("熙地港", "郑州熙地港")),
    ("YOYO Park", None, "retailer", "410100", ("YOYO Park", "YOYO")),
    (
        "北京京东世纪贸易有限公司",
        None,
        "platform",
        "110000",
        ("京东", "京东商城", "JD", "jd.com"),
    ),
    ("北京京东世纪信息技术有限公司", "91110302562134916R", "platform", "110000", ()),
    (
        "阿里巴巴（中国）有限公司",
        "91330100799655058B",
        "platform",
        "330100",
        ("阿里巴巴", "Alibaba"),
    ),
    (
        "腾讯科技（深圳）有限公司",
        "9144030071526726XG",
        "platform",
        "440300",
        ("腾讯", "Tencent"),
    ),
    (
        "华为技术有限公司",
        "914403001922038216",
        "manufacturer",
        "440300",
        ("华为", "Huawei"),
    ),
    # The brief marks this code's source as a mock list whose check digit passes.
    (
        "小米科技有限责任公司",
        "91110108551385082Q",
        "manufacturer",
        "110000",
        ("小米", "Xiaomi"),
    ),
)
CHUNNUAN_ENTERPRISES = [e[0] for e in ENTERPRISES[:13]]
# region recommending -> enterprises, for the national campaign
SHUANGPIN_RECOMMENDATIONS = {
    "110000": [
        "北京京东世纪贸易有限公司",
        "北京三快在线科技有限公司",
        "小米科技有限责任公司",
    ],
    "330000": ["阿里巴巴（中国）有限公司", "考拉海购"],
    "440000": ["腾讯科技（深圳）有限公司", "华为技术有限公司"],
    "310000": ["拉扎斯网络科技（上海）有限公司"],
}
ORGANISATIONS = (
    ("association", "郑州市消费者协会", "410100"),
    ("association", "中国消费者协会", None),
    ("authority", "郑州市商务局", "410100"),
    ("authority", "河南省市场监督管理局", "410000"),
    ("authority", "商务部电子商务司", None),
)
USERS = (
    ("association@demo.local", "郑州市消协 张敏", "association", "郑州市消费者协会"),
    (
        "enterprise@demo.local",
        "美团 投诉专员 李强",
        "enterprise",
        "北京三快在线科技有限公司",
    ),
    ("regional@demo.local", "郑州市商务局 王磊", "regional_regulator", "郑州市商务局"),
    ("national@demo.local", "商务部 赵静", "national_regulator", "商务部电子商务司"),
    ("admin@demo.local", "系统管理员", "admin", None),
)


def _local(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=SH)


def load_regions() -> None:
    """Add the province-level regions and a few cities (idempotent)."""
    for code, name in reference.PROVINCES:
        if db.session.get(Region, code) is None:
            db.session.add(Region(code=code, name=name, level="province"))
    db.session.flush()
    for code, name, parent in reference.CITIES:
        if db.session.get(Region, code) is None:
            db.session.add(
                Region(code=code, name=name, level="city", parent_code=parent)
            )
    db.session.commit()


def _template(code: str, title: str, clauses: tuple[str, ...]) -> PledgeTemplate:
    found = db.session.scalar(select(PledgeTemplate).where(PledgeTemplate.code == code))
    if found is not None:
        return found
    return service.create_template(
        SYSTEM,
        data={
            "code": code,
            "title": title,
            "clauses": [{"number": i + 1, "text": t} for i, t in enumerate(clauses)],
        },
    )


def _campaign(data: dict[str, Any]) -> Campaign:
    found = db.session.scalar(select(Campaign).where(Campaign.code == data["code"]))
    return found if found is not None else service.create_campaign(SYSTEM, data=data)


def load_campaigns() -> tuple[Campaign, Campaign]:
    """Add the two seed campaigns with their templates (idempotent)."""
    sp_tpl = _template(
        "shuangpin-2021", "第三届“双品网购节”承诺书", reference.SHUANGPIN_CLAUSES
    )
    cn_tpl = _template(
        "chunnuan-zhengzhou-2020",
        "“春暖郑州”网上购物节参与企业承诺",
        reference.CHUNNUAN_CLAUSES,
    )
    shuangpin = _campaign(
        {
            "code": "shuangpin-2021",
            "name": "第三届“双品网购节”",
            "theme": "品牌品质·惠享生活",
            "organisers": [
                "商务部",
                "工业和信息化部",
                "市场监管总局",
                "国家邮政局",
                "中国消费者协会",
            ],
            # 2021-04-28 00:00 to 2021-05-10 24:00 Asia/Shanghai
            "starts_at": _local(2021, 4, 28),
            "ends_at": _local(2021, 5, 11),
            "scope": "national",
            "region_code": None,
            "default_region_cap": 5,
            "pledge_template_id": sp_tpl.id,
            "sections": [],
            "milestones": [
                {
                    "code": "first_day",
                    "name": "报送首日销售数据、特点和经验做法",
                    "due_date": _local(2021, 4, 29).date(),
                },
                {
                    "code": "holiday_end",
                    "name": "报送截至五一假期结束的销售数据等情况",
                    "due_date": _local(2021, 5, 4).date(),
                },
                {
                    "code": "final",
                    "name": "5月11日前报送量化成效和全面情况",
                    "due_date": _local(2021, 5, 11).date(),
                },
            ],
            "region_caps": [],
        }
    )
    chunnuan = _campaign(
        {
            "code": "chunnuan-zhengzhou-2020",
            "name": "“春暖郑州”网上购物节",
            "theme": "时尚绿城、乐享郑州",
            "organisers": ["郑州市商务局"],
            "starts_at": _local(2020, 3, 15),
            "ends_at": _local(2020, 3, 23),
            "scope": "regional",
            "region_code": "410100",
            # The city runs its own festival; the national cap of five does not apply.
            "default_region_cap": 50,
            "pledge_template_id": cn_tpl.id,
            "sections": [
                {"name": n, "description": d} for n, d in reference.CHUNNUAN_SECTIONS
            ],
            "milestones": [],
            "region_caps": [],
        }
    )
    return shuangpin, chunnuan


def load_enterprises() -> dict[str, Enterprise]:
    """Add the seed and national enterprises (idempotent)."""
    out: dict[str, Enterprise] = {}
    for name, code, kind, region, aliases in ENTERPRISES:
        found = db.session.scalar(
            select(Enterprise).where(Enterprise.legal_name == name)
        )
        out[name] = found or service.create_enterprise(
            SYSTEM,
            data={
                "legal_name": name,
                "uscc": code,
                "kind": kind,
                "region_code": region,
                "aliases": list(aliases),
                "contact_name": "投诉处理专员",
            },
        )
    return out


def _participate(
    campaign: Campaign, ent: Enterprise, region: str, signed: datetime
) -> None:
    if db.session.scalar(
        select(Participation.id).where(
            Participation.campaign_id == campaign.id,
            Participation.enterprise_id == ent.id,
        )
    ):
        return
    part = service.recommend(
        SYSTEM,
        data={
            "campaign_id": campaign.id,
            "enterprise_id": ent.id,
            "region_code": region,
        },
    )
    pledge = db.session.scalar(
        select(Pledge).where(
            Pledge.campaign_id == campaign.id, Pledge.enterprise_id == ent.id
        )
    )
    if pledge is None:
        pledge = service.draft_pledge(
            SYSTEM, data={"campaign_id": campaign.id, "enterprise_id": ent.id}
        )
        service.sign_pledge(SYSTEM, pledge.id, signatory="承诺方代表", signed_at=signed)
    service.decide(SYSTEM, part.id, decision="approve", note="演示数据")


def load_people() -> None:
    """Add the demo organisations and one user of each role (idempotent)."""
    for kind, name, region in ORGANISATIONS:
        if accounts.find_organisation(name) is None:
            accounts.create_organisation(
                SYSTEM, kind=kind, name=name, region_code=region
            )
    for email, name, role, org in USERS:
        if db.session.scalar(select(User.id).where(User.email == email)) is None:
            accounts.create_user(
                SYSTEM,
                data={
                    "email": email,
                    "name": name,
                    "role": role,
                    "org": org,
                    "password": DEMO_PASSWORD,
                },
            )


def load_all() -> None:
    """Load everything the demo needs."""
    load_regions()
    shuangpin, chunnuan = load_campaigns()
    ents = load_enterprises()
    for name in CHUNNUAN_ENTERPRISES:
        _participate(chunnuan, ents[name], "410100", _local(2020, 3, 13))
    for region, names in SHUANGPIN_RECOMMENDATIONS.items():
        for name in names:
            _participate(shuangpin, ents[name], region, _local(2021, 4, 20))
    load_people()


@cli.command("load")
def load() -> None:
    """Load the demo data (safe to run again)."""
    load_all()
    click.echo(
        "demo data loaded: 2 campaigns, "
        f"{db.session.query(Enterprise).count()} enterprises, "
        f"{db.session.query(User).count()} users"
    )
