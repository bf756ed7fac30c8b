from sqlalchemy import func, select

from app.extensions import db
from app.pledges.models import Campaign, Enterprise, Pledge
from tests import builders as b

ERROR_KEYS = {"code", "status", "reason", "message", "errors"}


def _admin(client) -> dict[str, str]:
    return b.actor_headers("admin")[1]


def _national() -> dict[str, str]:
    return b.actor_headers("national_regulator")[1]


def _campaign_body(**over):
    body = {
        "code": "sp-2021",
        "name": "第三届“双品网购节”",
        "organisers": ["商务部"],
        "starts_at": "2021-04-28T00:00:00+08:00",
        "ends_at": "2021-05-11T00:00:00+08:00",
        "scope": "national",
        "sections": [{"name": "郑享特惠"}],
        "milestones": [
            {"code": "first_day", "name": "首日报送", "due_date": "2021-04-29"}
        ],
    }
    body.update(over)
    return body


def test_openapi_documents_the_registry(client) -> None:
    spec = client.get("/api/openapi.json").get_json()
    for path in (
        "/api/v1/campaigns",
        "/api/v1/regions",
        "/api/v1/enterprises",
        "/api/v1/participations",
        "/api/v1/pledge-templates",
        "/api/v1/pledges",
    ):
        assert path in spec["paths"]


def test_docs_page_loads_its_assets_locally(client) -> None:
    page = client.get("/api/docs/").get_data(as_text=True)
    assert "swagger-ui-bundle.js" in page and "http" not in page.split("<body>")[1]
    asset = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and b"SwaggerUIBundle" in asset.get_data()
    asset.close()


def test_requests_without_credentials_get_401_in_the_error_shape(app, client) -> None:
    resp = client.get("/api/v1/campaigns")
    assert resp.status_code == 401
    assert set(resp.get_json()) == ERROR_KEYS


def test_creates_a_campaign_and_shows_times_in_shanghai(app, client) -> None:
    b.regions()
    resp = client.post("/api/v1/campaigns", json=_campaign_body(), headers=_national())
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["starts_at"] == "2021-04-28T00:00:00+08:00"
    assert body["sections"][0]["position"] == 1
    stored = db.session.scalar(select(Campaign))
    assert stored.starts_at.utcoffset().total_seconds() == 0
    assert stored.starts_at.hour == 16  # 2021-04-27 16:00 UTC
    assert (
        client.get(f"/api/v1/campaigns/{body['id']}", headers=_national()).status_code
        == 200
    )


def test_campaign_validation_names_the_field_and_writes_nothing(app, client) -> None:
    b.regions()
    h = _national()
    bad = _campaign_body(ends_at="2021-04-01T00:00:00+08:00")
    resp = client.post("/api/v1/campaigns", json=bad, headers=h)
    assert resp.status_code == 422 and "ends_at" in resp.get_json()["errors"]
    resp = client.post("/api/v1/campaigns", json=_campaign_body(bogus=1), headers=h)
    assert resp.status_code == 422 and "bogus" in str(resp.get_json()["errors"])
    resp = client.post("/api/v1/campaigns", json=_campaign_body(name=123), headers=h)
    assert resp.status_code == 422 and "name" in str(resp.get_json()["errors"])
    resp = client.post(
        "/api/v1/campaigns", json=_campaign_body(name="x" * 201), headers=h
    )
    assert resp.status_code == 422
    body = _campaign_body()
    del body["starts_at"]
    resp = client.post("/api/v1/campaigns", json=body, headers=h)
    assert resp.status_code == 422 and "starts_at" in str(resp.get_json()["errors"])
    resp = client.post(
        "/api/v1/campaigns",
        data="{not json",
        headers=h | {"Content-Type": "application/json"},
    )
    assert resp.status_code in (400, 422)
    assert set(resp.get_json()) == ERROR_KEYS
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_unknown_ids_are_404_in_the_error_shape(app, client) -> None:
    h = _national()
    for url in (
        "/api/v1/campaigns/999",
        "/api/v1/enterprises/999",
        "/api/v1/pledges/999",
        "/api/v1/participations/999",
        "/api/v1/pledge-templates/999",
        "/api/v1/regions/999999",
    ):
        resp = client.get(url, headers=h)
        assert resp.status_code == 404, url
        assert set(resp.get_json()) == ERROR_KEYS


def test_enterprise_crud_with_uscc_rules(app, client) -> None:
    b.regions()
    h = _national()
    body = {
        "legal_name": "华为技术有限公司",
        "uscc": "91440300-1922038216",
        "kind": "manufacturer",
        "region_code": "410000",
        "aliases": ["华为", "Huawei"],
    }
    resp = client.post("/api/v1/enterprises", json=body, headers=h)
    assert resp.status_code == 201
    ent = resp.get_json()
    assert ent["uscc"] == "914403001922038216" and ent["uscc_warning"] is None
    dup = client.post(
        "/api/v1/enterprises", json=body | {"legal_name": "别家"}, headers=h
    )
    assert dup.status_code == 409 and "华为技术有限公司" in dup.get_json()["message"]
    bad = client.post(
        "/api/v1/enterprises", json=body | {"uscc": "91440300192203821I"}, headers=h
    )
    assert bad.status_code == 422 and "uscc" in bad.get_json()["errors"]
    wrong_check = client.post(
        "/api/v1/enterprises",
        json=body | {"uscc": "914403001922038217", "legal_name": "X", "aliases": []},
        headers=h,
    )
    assert wrong_check.status_code == 201
    assert wrong_check.get_json()["uscc_warning"] == "check_character_mismatch"
    unknown_region = client.post(
        "/api/v1/enterprises",
        json={"legal_name": "Y", "kind": "other", "region_code": "999999"},
        headers=h,
    )
    assert (
        unknown_region.status_code == 422
        and "region_code" in unknown_region.get_json()["errors"]
    )
    listing = client.get("/api/v1/enterprises?q=Huawei", headers=h).get_json()
    assert listing["total"] == 1 and listing["items"][0]["aliases"] == [
        "华为",
        "Huawei",
    ]
    patched = client.patch(
        f"/api/v1/enterprises/{ent['id']}", json={"aliases": ["华为"]}, headers=h
    )
    assert patched.status_code == 200 and patched.get_json()["aliases"] == ["华为"]
    assert db.session.scalar(select(func.count()).select_from(Enterprise)) == 2


def test_participation_and_pledge_flow_over_the_api(app, client) -> None:
    camp = b.campaign()
    ent = b.enterprise(region_code="410100")
    _, ent_h = b.actor_headers("enterprise", enterprise=ent)
    _, reg_h = b.actor_headers(
        "regional_regulator",
        region_code="410000",
        org=b.organisation("authority", region_code="410000"),
    )
    nat_h = _national()
    part = client.post(
        "/api/v1/participations",
        json={"campaign_id": camp.id, "enterprise_id": ent.id},
        headers=reg_h,
    )
    assert part.status_code == 201, part.get_json()
    pid = part.get_json()["id"]
    refused = client.post(
        f"/api/v1/participations/{pid}/decision",
        json={"decision": "approve"},
        headers=nat_h,
    )
    assert (
        refused.status_code == 409
        and refused.get_json()["reason"] == "pledge_not_signed"
    )
    pledge = client.post(
        "/api/v1/pledges", json={"campaign_id": camp.id}, headers=ent_h
    )
    assert pledge.status_code == 201
    pl = pledge.get_json()
    assert len(pl["obligations"]) == 6 and pl["status"] == "draft"
    late = client.post(
        f"/api/v1/pledges/{pl['id']}/signature",
        json={"signatory": "李四"},
        headers=ent_h,
    )
    assert (
        late.status_code == 409
        and late.get_json()["reason"] == "signing_deadline_passed"
    )
    ovr = client.post(
        f"/api/v1/pledges/{pl['id']}/late-signing-override",
        json={"reason": "补签"},
        headers=reg_h,
    )
    assert ovr.status_code == 200
    signed = client.post(
        f"/api/v1/pledges/{pl['id']}/signature",
        json={"signatory": "李四"},
        headers=ent_h,
    )
    assert signed.status_code == 200 and signed.get_json()["status"] == "signed"
    ok = client.post(
        f"/api/v1/participations/{pid}/decision",
        json={"decision": "approve"},
        headers=nat_h,
    )
    assert ok.status_code == 200 and ok.get_json()["status"] == "approved"
    vol = client.post(
        f"/api/v1/participations/{pid}/order-volume",
        json={"orders": 120000},
        headers=ent_h,
    )
    assert vol.status_code == 200 and vol.get_json()["order_volume"] == 120000
    wd = client.post(
        f"/api/v1/pledges/{pl['id']}/withdrawal", json={"reason": "退出"}, headers=ent_h
    )
    assert wd.status_code == 200 and wd.get_json()["status"] == "withdrawn"
    rv = client.post(
        f"/api/v1/pledges/{pl['id']}/revocation", json={"reason": "x"}, headers=reg_h
    )
    assert rv.status_code == 409
    assert db.session.get(Pledge, pl["id"]).status == "withdrawn"
    assert (
        client.get("/api/v1/participations", headers=ent_h).get_json()[0]["id"] == pid
    )
    assert (
        client.get(f"/api/v1/pledges?campaign_id={camp.id}", headers=ent_h).get_json()[
            0
        ]["id"]
        == pl["id"]
    )


def test_templates_and_regions_endpoints(app, client) -> None:
    h = _admin(client)
    t = client.post(
        "/api/v1/pledge-templates",
        headers=h,
        json={
            "code": "x-pledge",
            "title": "承诺书",
            "clauses": [{"number": 1, "text": "守法"}],
        },
    )
    assert t.status_code == 201 and t.get_json()["version"] == 1
    t2 = client.post(
        "/api/v1/pledge-templates",
        headers=h,
        json={
            "code": "x-pledge",
            "title": "承诺书",
            "clauses": [{"number": 1, "text": "守法"}],
        },
    )
    assert t2.get_json()["version"] == 2
    dup = client.post(
        "/api/v1/pledge-templates",
        headers=h,
        json={
            "code": "y-pledge",
            "title": "t",
            "clauses": [{"number": 1, "text": "a"}, {"number": 1, "text": "b"}],
        },
    )
    assert dup.status_code == 422 and "clauses" in dup.get_json()["errors"]
    assert len(client.get("/api/v1/pledge-templates", headers=h).get_json()) == 2
    r = client.post(
        "/api/v1/regions",
        headers=h,
        json={"code": "410000", "name": "河南省", "level": "province"},
    )
    assert r.status_code == 201
    assert (
        client.get("/api/v1/regions/410000", headers=h).get_json()["name"] == "河南省"
    )
    assert client.get("/api/v1/regions?level=province", headers=h).status_code == 200
    bad = client.post(
        "/api/v1/regions",
        headers=h,
        json={"code": "41", "name": "x", "level": "province"},
    )
    assert bad.status_code == 422 and "code" in bad.get_json()["errors"]


def test_english_switch_changes_error_messages(app, client) -> None:
    zh = client.get("/api/v1/campaigns").get_json()["message"]
    en = client.get("/api/v1/campaigns?lang=en").get_json()["message"]
    assert zh != en and en.startswith("Sign in")
