import pytest

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
