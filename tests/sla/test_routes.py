import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.sla import queries
from app.sla.models import CalendarOverrideDay, ComplaintDeadline, SlaPolicy
from tests import builders as b
from tests.sla.builders import accepted_and_forwarded, file, sh, step

ERROR_KEYS = {"code", "status", "reason", "message", "errors"}
ROLES = (
    "association",
    "enterprise",
    "regional_regulator",
    "national_regulator",
    "admin",
)


@pytest.fixture
def frozen(monkeypatch):
    """Evaluate deadlines at 2021-05-07 12:00 Shanghai time."""
    monkeypatch.setattr(queries, "utcnow", lambda: sh(2021, 5, 7, 12))


def headers(role: str, **kw) -> dict[str, str]:
    return b.actor_headers(role, **kw)[1]


def policy_body(**over):
    body = {
        "code": "res-fast",
        "target": "resolution",
        "name_zh": "快速办结",
        "name_en": "Fast resolution",
        "amount": 5,
        "unit": "working_days",
        "legal_basis": "活动承诺",
    }
    body.update(over)
    return body


def test_openapi_documents_the_sla_api(client) -> None:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/complaints/{complaint_id}/deadlines",
        "/api/v1/sla/policies",
        "/api/v1/sla/policies/{policy_id}",
        "/api/v1/sla/figures",
        "/api/v1/calendar/overrides",
        "/api/v1/calendar/overrides/{day}",
        "/api/v1/calendar/years",
        "/api/v1/calendar/years/{year}",
        "/api/v1/calendar/days",
    ):
        assert path in paths


def test_every_sla_endpoint_states_its_roles(app) -> None:
    views = [
        (rule.endpoint, app.view_functions[rule.endpoint])
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("sla.")
    ]
    assert len(views) >= 8
    for endpoint, view in views:
        cls = view.view_class  # MethodView
        for method in cls.methods:
            handler = getattr(cls, method.lower())
            assert getattr(handler, "allowed_roles", None), f"{endpoint} {method}"


@pytest.mark.usefixtures("frozen")
def test_deadlines_show_state_due_time_days_left_and_receipt(app, client) -> None:
    c = file(sh(2021, 4, 30, 10))
    resp = client.get(
        f"/api/v1/complaints/{c.id}/deadlines", headers=headers("national_regulator")
    )
    assert resp.status_code == 200, resp.get_json()
    (accept,) = resp.get_json()
    assert accept["target"] == "accept_decision" and accept["state"] == "on_track"
    assert accept["due_at"] == "2021-05-14T00:00:00+08:00"
    # 05-07 is half used; 05-08, 10, 11, 12, 13 remain: six days touched.
    assert accept["days_left"] == 6 and accept["remaining_days"] == "5.50"
    assert accept["remaining_text"] == {
        "zh": "还剩 6 个工作日",
        "en": "6 working days left",
    }
    receipt = accept["receipt"]
    assert receipt["due_at_local"] == "2021-05-14T00:00:00+08:00"
    assert receipt["counted_days"][:3] == ["2021-05-06", "2021-05-07", "2021-05-08"]
    assert receipt["selection"]["level"] == "builtin_default"
    assert "暂行办法" in receipt["policy"]["legal_basis"]


@pytest.mark.usefixtures("frozen")
def test_every_role_may_ask_but_only_about_complaints_it_can_see(app, client) -> None:
    ent = b.enterprise()
    c = file(sh(2021, 4, 30, 10), enterprise_id=ent.id, region_code="410100")
    assert (
        client.get(
            f"/api/v1/complaints/{c.id}/deadlines",
            headers=headers("enterprise", enterprise=ent),
        ).status_code
        == 200
    )
    for role in ROLES:
        if role == "enterprise":
            continue
        assert client.get(
            f"/api/v1/complaints/{c.id}/deadlines", headers=headers(role)
        ).status_code in (200, 404)
    other = headers("enterprise")  # a different enterprise
    resp = client.get(f"/api/v1/complaints/{c.id}/deadlines", headers=other)
    assert resp.status_code == 404 and set(resp.get_json()) == ERROR_KEYS
    assert client.get(f"/api/v1/complaints/{c.id}/deadlines").status_code == 401


@pytest.mark.usefixtures("frozen")
def test_the_receipt_shows_which_policy_applied_and_why(app, client) -> None:
    admin = headers("admin")
    camp = b.campaign()
    for body in (
        policy_body(code="res-default", amount=9),
        policy_body(code="res-camp", amount=6, campaign_id=camp.id),
        policy_body(
            code="res-camp-q", amount=4, campaign_id=camp.id, category="quality"
        ),
    ):
        assert (
            client.post("/api/v1/sla/policies", json=body, headers=admin).status_code
            == 201
        )
    c = accepted_and_forwarded(
        sh(2021, 5, 6, 9), sh(2021, 5, 6, 10), campaign_id=camp.id, labels=["quality"]
    )
    body = client.get(f"/api/v1/complaints/{c.id}/deadlines", headers=admin).get_json()
    resolution = next(d for d in body if d["target"] == "resolution")
    selection = resolution["receipt"]["selection"]
    assert resolution["policy_code"] == "res-camp-q"
    assert selection["level"] == "campaign_category"
    assert [c["policy_code"] for c in selection["considered"]] == [
        "res-camp-q",
        "res-camp",
        "res-default",
    ]
    assert "活动+类别 > 活动 > 类别" in selection["reason_zh"]
    # 4 working days after 05-06: 05-07, 08 (make-up Saturday), 10, 11.
    assert resolution["due_at"] == "2021-05-12T00:00:00+08:00"


def test_policies_are_admin_written_and_everyone_read(app, client) -> None:
    admin = headers("admin")
    created = client.post("/api/v1/sla/policies", json=policy_body(), headers=admin)
    assert created.status_code == 201, created.get_json()
    policy_id = created.get_json()["id"]
    listed = client.get(
        "/api/v1/sla/policies", headers=headers("association")
    ).get_json()
    assert [p["code"] for p in listed["policies"]] == ["res-fast"]
    assert (
        len(listed["builtin_defaults"]) == 4 and "活动+类别" in listed["precedence_zh"]
    )
    denied = client.post(
        "/api/v1/sla/policies",
        json=policy_body(code="x2"),
        headers=headers("national_regulator"),
    )
    assert denied.status_code == 403 and set(denied.get_json()) == ERROR_KEYS
    patched = client.patch(
        f"/api/v1/sla/policies/{policy_id}", json={"amount": 7}, headers=admin
    )
    assert patched.status_code == 200 and patched.get_json()["amount"] == 7
    assert (
        client.delete(f"/api/v1/sla/policies/{policy_id}", headers=admin).status_code
        == 204
    )
    missing = client.delete(f"/api/v1/sla/policies/{policy_id}", headers=admin)
    assert missing.status_code == 404 and set(missing.get_json()) == ERROR_KEYS
    assert db.session.scalar(select(func.count()).select_from(SlaPolicy)) == 0


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        (policy_body(amount=0), "amount", 422),
        (policy_body(unit="fortnights"), "unit", 422),
        (policy_body(code="Bad Code!"), "code", 422),
        (policy_body(at_risk_percent=101), "at_risk_percent", 422),
        (policy_body(roll_to_workday=True), "roll_to_workday", 422),
        (policy_body(campaign_id=999), "campaign_id", 422),
    ],
)
def test_bad_policies_are_refused_naming_the_field(
    app, client, body, field, status
) -> None:
    resp = client.post("/api/v1/sla/policies", json=body, headers=headers("admin"))
    assert resp.status_code == status
    assert set(resp.get_json()) == ERROR_KEYS and field in resp.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(SlaPolicy)) == 0


def test_duplicate_codes_and_scopes_conflict(app, client) -> None:
    admin = headers("admin")
    client.post("/api/v1/sla/policies", json=policy_body(), headers=admin)
    same_code = client.post(
        "/api/v1/sla/policies", json=policy_body(amount=3), headers=admin
    )
    assert same_code.status_code == 409 and "code" in same_code.get_json()["errors"]
    same_scope = client.post(
        "/api/v1/sla/policies", json=policy_body(code="other"), headers=admin
    )
    assert (
        same_scope.status_code == 409
        and same_scope.get_json()["reason"] == "duplicate_scope"
    )


def test_calendar_overrides_are_admin_written_and_move_deadlines(app, client) -> None:
    c = file(sh(2021, 4, 30, 10))
    admin = headers("admin")
    body = {"date": "2021-05-10", "is_workday": False, "reason": "临时停工"}
    created = client.post("/api/v1/calendar/overrides", json=body, headers=admin)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["recomputed_deadlines"] == 1
    row = db.session.scalar(
        select(ComplaintDeadline).where(ComplaintDeadline.complaint_id == c.id)
    )
    db.session.refresh(row)
    assert row.due_at == sh(2021, 5, 15)
    assert (
        client.post("/api/v1/calendar/overrides", json=body, headers=admin).status_code
        == 409
    )
    listed = client.get(
        "/api/v1/calendar/overrides?year=2021", headers=headers("enterprise")
    )
    assert [o["date"] for o in listed.get_json()] == ["2021-05-10"]
    (day,) = client.get(
        "/api/v1/calendar/days?date_from=2021-05-10", headers=headers("association")
    ).get_json()
    assert day["is_workday"] is False and day["override_reason"] == "临时停工"
    forbidden = client.delete(
        "/api/v1/calendar/overrides/2021-05-10", headers=headers("national_regulator")
    )
    assert forbidden.status_code == 403
    assert (
        client.delete(
            "/api/v1/calendar/overrides/2021-05-10", headers=admin
        ).status_code
        == 204
    )
    assert (
        client.delete(
            "/api/v1/calendar/overrides/2021-05-10", headers=admin
        ).status_code
        == 404
    )
    bad = client.delete("/api/v1/calendar/overrides/2021-5-10", headers=admin)
    assert bad.status_code == 422 and "date" in bad.get_json()["errors"]


def test_bad_overrides_are_refused_and_nothing_is_written(app, client) -> None:
    admin = headers("admin")
    for body in (
        {"date": "2021-02-30", "is_workday": False, "reason": "x"},
        {"date": "2021-05-10", "reason": "no flag"},
        {"date": "2021-05-10", "is_workday": True, "reason": ""},
        {"date": "1900-01-01", "is_workday": True, "reason": "too early"},
    ):
        resp = client.post("/api/v1/calendar/overrides", json=body, headers=admin)
        assert resp.status_code == 422 and set(resp.get_json()) == ERROR_KEYS, body
    assert db.session.scalar(select(func.count()).select_from(CalendarOverrideDay)) == 0


def test_day_info_and_covered_years(app, client) -> None:
    anyone = headers("enterprise")
    week = client.get(
        "/api/v1/calendar/days?date_from=2021-05-03&date_to=2021-05-09", headers=anyone
    ).get_json()
    assert [d["is_workday"] for d in week] == [False] * 3 + [True] * 3 + [False]
    saturday = week[5]
    assert saturday["is_makeup_workday"] and saturday["holiday_name_zh"] == "劳动节"
    (unknown,) = client.get(
        "/api/v1/calendar/days?date_from=2027-01-04", headers=anyone
    ).get_json()
    assert unknown["covered"] is False and unknown["is_workday"] is None
    backwards = client.get(
        "/api/v1/calendar/days?date_from=2021-05-03&date_to=2021-05-01", headers=anyone
    )
    assert backwards.status_code == 422 and "date_to" in backwards.get_json()["errors"]
    admin = headers("admin")
    declared = client.post(
        "/api/v1/calendar/years",
        json={"year": 2027, "note": "通知已录入"},
        headers=admin,
    )
    assert declared.status_code == 201 and declared.get_json()["source"] == "admin"
    (known,) = client.get(
        "/api/v1/calendar/days?date_from=2027-01-04", headers=anyone
    ).get_json()
    assert known["covered"] is True and known["is_workday"] is True
    again = client.post(
        "/api/v1/calendar/years", json={"year": 2021, "note": "x"}, headers=admin
    )
    assert again.status_code == 409 and "year" in again.get_json()["errors"]
    years = client.get("/api/v1/calendar/years", headers=anyone).get_json()
    assert {"year": 2027, "source": "admin"}.items() <= years[-1].items()
    assert (
        client.delete("/api/v1/calendar/years/2027", headers=admin).status_code == 204
    )
    assert (
        client.delete("/api/v1/calendar/years/2027", headers=admin).status_code == 404
    )


def test_figures_for_regulators_scoped_to_their_region(app, client) -> None:
    local, remote = (
        b.enterprise(region_code="410100"),
        b.enterprise(region_code="330000"),
    )
    on_time = file(sh(2021, 4, 30, 10), enterprise_id=local.id, region_code="410100")
    step(on_time, "accept", "accepted", sh(2021, 5, 7, 10))
    late = file(sh(2021, 4, 30, 10), enterprise_id=local.id, region_code="410100")
    step(late, "accept", "accepted", sh(2021, 5, 20, 10))
    file(sh(2021, 4, 30, 10), enterprise_id=remote.id, region_code="330000")
    url = "/api/v1/sla/figures?group_by=enterprise&target=accept_decision"
    national = client.get(url, headers=headers("national_regulator")).get_json()
    assert {g["key"] for g in national["groups"]} == {str(local.id), str(remote.id)}
    regional = client.get(
        url, headers=headers("regional_regulator", region_code="410100")
    )
    assert regional.status_code == 200
    (group,) = regional.get_json()["groups"]
    assert group["key"] == str(local.id) and group["name"] == local.legal_name
    assert (group["on_time"], group["late"], group["on_time_rate"]) == (1, 1, "0.5000")
    # Working time from 04-30 10:00: 14 h + 05-06 + 10 h = 2 days to 05-07 10:00,
    # 14 h + 11 days + 10 h = 12 days to 05-20 10:00.
    assert group["avg_handling_working_days"] == "7.00"
    assert group["p90_handling_working_days"] == "12.00"
    assert client.get(url, headers=headers("association")).status_code == 403
    bad = client.get("/api/v1/sla/figures?group_by=planet", headers=headers("admin"))
    assert bad.status_code == 422 and "group_by" in bad.get_json()["errors"]
