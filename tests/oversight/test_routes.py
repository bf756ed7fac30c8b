from datetime import date
from typing import Any

import jsonschema_rs
import pytest
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.oversight import reports, rollups, service
from app.pledges import service as registry
from app.pledges.models import Campaign, Enterprise, Participation
from tests import builders as b
from tests.oversight.builders import NATIONAL, association, complaint, festival, steps
from tests.oversight.conftest import act, file

AGGREGATES = [
    "/api/v1/aggregates/counts?group_by=category,campaign,region,enterprise,day",
    "/api/v1/aggregates/counts?group_by=region&region_level=province",
    "/api/v1/aggregates/top-enterprises?limit=5&order_by=valid",
    "/api/v1/aggregates/sla?group_by=enterprise",
    "/api/v1/aggregates/trend?interval=week",
]


@pytest.mark.parametrize("url", AGGREGATES)
def test_aggregates_answer_regulators_with_an_as_of_stamp(client, cast, url) -> None:
    file(client, cast)
    resp = client.get(url, headers=cast.national)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["as_of"].endswith("+08:00")
    assert body.get("rows") or body.get("series")
    for role in ("enterprise", "assoc"):
        assert client.get(url, headers=getattr(cast, role)).status_code == 403


def test_counts_carry_rates_and_names(client, cast) -> None:
    c = file(client, cast)
    for action in ("accept", "forward"):
        act(client, cast.regional, c["id"], action)
    act(client, cast.enterprise, c["id"], "respond", note="已处理")
    body = client.get(
        "/api/v1/aggregates/counts?group_by=enterprise,category", headers=cast.regional
    ).get_json()
    (row,) = body["rows"]
    assert row["enterprise_name"] == "北京京东世纪贸易有限公司"
    assert row["category_name_zh"] == "假冒伪劣"
    assert (row["received"], row["valid"], row["replied"], row["reply_rate"]) == (
        1,
        1,
        1,
        1.0,
    )
    far = client.get("/api/v1/aggregates/counts", headers=cast.far_regional).get_json()
    assert far["rows"] == []


@pytest.mark.parametrize(
    "query",
    [
        "date_from=2021-05-10&date_to=2021-05-01",
        "date_from=2017-01-01&date_to=2021-01-02",
        "date_from=1021-01-01",
        "group_by=colour",
        "group_by=day,day",
        "region_code=41",
        "limit=0",
        "enterprise=1",
        "category=counterfeit&foo=bar",
    ],
)
def test_absurd_ranges_and_unknown_filters_are_refused(client, cast, query) -> None:
    resp = client.get(f"/api/v1/aggregates/counts?{query}", headers=cast.national)
    assert resp.status_code == 422
    assert set(resp.get_json()) == {"code", "status", "reason", "message", "errors"}


def test_a_date_range_filters_by_the_day_received(client, cast) -> None:
    c = file(client, cast)
    day = c["received_at"][:10]
    inside = client.get(
        f"/api/v1/aggregates/counts?date_from={day}&date_to={day}",
        headers=cast.national,
    ).get_json()
    before = client.get(
        "/api/v1/aggregates/counts?date_from=2021-01-01&date_to=2021-12-31",
        headers=cast.national,
    ).get_json()
    assert [r["received"] for r in inside["rows"]] == [1]
    assert before["rows"] == []


# Answers built by hand, against the schemas /api/openapi.json documents ----------------

MILESTONES = [
    {"code": "first_day", "name": "首日", "due_date": date(2021, 4, 29)},
    {"code": "holiday_end", "name": "五一假期", "due_date": date(2021, 5, 4)},
    {"code": "final", "name": "全面总结", "due_date": date(2021, 5, 11)},
]


def _json_schema(node: Any, components: dict[str, Any]) -> Any:
    """Inline the $refs and turn OpenAPI 3.0's `nullable` into JSON Schema."""
    if isinstance(node, list):
        return [_json_schema(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _json_schema(components[node["$ref"].rsplit("/", 1)[1]], components)
    out = {k: _json_schema(v, components) for k, v in node.items() if k != "nullable"}
    return {"anyOf": [out, {"type": "null"}]} if node.get("nullable") else out


def published(client) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = client.get("/api/openapi.json").get_json()
    return spec["paths"], spec["components"]["schemas"]


def documented(client, path: str, method: str = "get") -> dict[str, Any]:
    """Return the JSON Schema of an operation's 200 answer, as published."""
    paths, components = published(client)
    answer = paths[path][method]["responses"]["200"]
    schema = answer["content"]["application/json"]["schema"]
    assert "$ref" in schema  # a component, not a bare "object"
    return _json_schema(schema, components)


def mismatches(schema: dict[str, Any], body: Any) -> list[str]:
    validator = jsonschema_rs.Draft7Validator(schema, validate_formats=True)
    return [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(body)]


@pytest.fixture
def festival_data(app, cast) -> Campaign:
    """JD in a festival with orders reported and four complaints in it: one
    closed and rated, three forwarded, three substantiated (raising a flag);
    and one complaint outside it, against no known enterprise, in no category.
    """
    jd = db.session.get(Enterprise, cast.jd_id)
    camp, _ = festival(jd, milestones=MILESTONES)
    part = db.session.scalar(
        select(Participation).where(Participation.campaign_id == camp.id)
    )
    registry.report_order_volume(NATIONAL, part.id, orders=40_000)
    filer = association()
    made = [
        complaint(
            filer,
            now=b.local(2021, month, day, 10),
            purchase_date=f"2021-{month:02d}-{day:02d}",
            order_no=f"F{n}",
        )
        for n, (month, day) in enumerate([(4, 28), (4, 28), (5, 2), (5, 8)])
    ]
    steps(made[0], "accept", "forward", "respond", "resolve", "confirm", "close")
    for c in made[1:]:
        steps(c, "accept", "forward")
    for c in made[:3]:
        service.substantiate(NATIONAL, c.id, categories=["counterfeit"])
    complaint(
        filer,
        now=b.local(2021, 4, 29, 9),
        enterprise_name="不存在的小店",
        facts="我在店里买了一双鞋，想问一下发票什么时候能开出来，已经等了很久了。",
    )
    rollups.sync_sla(utcnow())
    return camp


def test_offender_policy_answers_are_as_documented(client, cast, festival_data) -> None:
    here = "/api/v1/offender-policy"
    there = "/api/v1/campaigns/{campaign_id}/offender-policy"
    url = there.format(campaign_id=festival_data.id)
    settings = {
        "category_threshold": 4,
        "breach_rate": "0.0000000",
        "severity_weights": {"counterfeit": "2.5"},
    }
    answers = [
        ("put", here, client.put(here, json=settings, headers=cast.national)),
        ("get", there, client.get(url, headers=cast.national)),
        ("put", there, client.put(url, json={"default_weight": 2}, headers=cast.admin)),
        ("get", here, client.get(here, headers=cast.regional)),
    ]
    for method, path, resp in answers:
        assert resp.status_code == 200, resp.get_json()
        assert mismatches(documented(client, path, method), resp.get_json()) == []
    # Decimals go out in fixed-point form, as they came in (str() would say 0E-7).
    assert answers[0][2].get_json()["overrides"]["breach_rate"] == "0.0000000"
    assert answers[1][2].get_json()["updated_at"] is None


def test_scorecards_are_as_documented(client, cast, festival_data) -> None:
    path = "/api/v1/enterprises/{enterprise_id}/scorecard"
    schema = documented(client, path)
    url = path.format(enterprise_id=cast.jd_id)
    answers = [
        client.get(url, headers=cast.national),
        client.get(f"{url}?campaign_id={festival_data.id}", headers=cast.national),
        client.get(url, headers=cast.enterprise),
    ]
    for resp in answers:
        assert resp.status_code == 200
        assert mismatches(schema, resp.get_json()) == []
    overall, own = answers[0].get_json(), answers[2].get_json()
    assert overall["campaigns"] and overall["violations_by_category"]
    # apispec writes a nullable nested object as "any object, or this one".
    _paths, components = published(client)
    level = _json_schema(components["FlagLevel"], components)
    assert mismatches(level, overall["flag_level"]) == []
    assert own["flag_level"] is None  # the flag is not confirmed yet


@pytest.mark.parametrize(
    ("url", "items"),
    [
        (
            "/api/v1/aggregates/counts?group_by=category,campaign,region,enterprise,day",
            "rows",
        ),
        ("/api/v1/aggregates/counts?group_by=region&region_level=city", "rows"),
        ("/api/v1/aggregates/counts", "rows"),
        ("/api/v1/aggregates/top-enterprises?order_by=res_late", "rows"),
        ("/api/v1/aggregates/sla?group_by=category,enterprise", "rows"),
        ("/api/v1/aggregates/sla", "rows"),
        ("/api/v1/aggregates/trend?interval=month", "series"),
    ],
)
def test_aggregates_are_as_documented(client, cast, festival_data, url, items) -> None:
    schema = documented(client, url.split("?")[0])
    resp = client.get(url, headers=cast.national)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body[items]
    assert mismatches(schema, body) == []


@pytest.mark.parametrize("code", reports.CODES)
def test_campaign_reports_are_as_documented(client, cast, festival_data, code) -> None:
    path = f"/api/v1/campaigns/{{campaign_id}}/reports/{code}"
    schema = documented(client, path)
    body = client.get(
        path.format(campaign_id=festival_data.id), headers=cast.national
    ).get_json()
    assert body["by_day"] and body["top_enterprises"] and body["flags"]
    assert mismatches(schema, body) == []
