import pytest
from sqlalchemy import func, select

from app.accounts.models import AuditEntry
from app.extensions import db
from app.oversight.models import Contest, Violation
from app.pledges.models import Enterprise
from tests.oversight.builders import EXCLUSIVE_FACTS, festival
from tests.oversight.conftest import act, file


def substantiate(client, headers, complaint_id: int, *categories: str):
    return client.post(
        f"/api/v1/complaints/{complaint_id}/violations",
        json={"categories": list(categories), "note": "经核查属实"},
        headers=headers,
    )


def forwarded(client, cast, **over) -> dict:
    c = file(client, cast, **over)
    for action in ("accept", "forward"):
        assert act(client, cast.regional, c["id"], action).status_code == 200
    return c


def violations() -> int:
    return db.session.scalar(select(func.count()).select_from(Violation))


def test_a_violation_cites_enterprise_campaign_pledge_clauses_and_law(
    client, cast
) -> None:
    jd = db.session.get(Enterprise, cast.jd_id)
    camp, pledge = festival(jd)
    c = forwarded(client, cast, purchase_date="2021-05-01", facts=EXCLUSIVE_FACTS)
    assert "exclusive_dealing" in c["labels"] and c["campaign_id"] == camp.id

    resp = substantiate(client, cast.regional, c["id"], "exclusive_dealing")

    assert resp.status_code == 201, resp.get_json()
    (v,) = resp.get_json()
    assert (v["enterprise_id"], v["campaign_id"], v["pledge_id"]) == (
        jd.id,
        camp.id,
        pledge.id,
    )
    clauses = {o.clause_number: o.id for o in pledge.obligations}
    assert [(x["clause_number"], x["obligation_id"]) for x in v["clauses"]] == [
        (2, clauses[2]),
        (6, clauses[6]),
    ]
    laws = {b["law"]: b["article"] for b in v["legal_basis"]}
    assert laws["反垄断法（2007）"].startswith("第十七条")
    assert "反垄断法（2022修正）" not in laws
    assert "网络交易监督管理办法" in laws  # in force from 2021-05-01
    assert v["conduct_date"] == "2021-05-01" and v["status"] == "active"
    assert db.session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "violation.substantiate")
    )


def test_later_conduct_cites_the_renumbered_antimonopoly_article(client, cast) -> None:
    c = forwarded(client, cast, purchase_date="2023-01-01", facts=EXCLUSIVE_FACTS)
    (v,) = substantiate(client, cast.national, c["id"], "exclusive_dealing").get_json()
    laws = {b["law"]: b["article"] for b in v["legal_basis"]}
    assert laws["反垄断法（2022修正）"].startswith("第二十二条")
    assert "反垄断法（2007）" not in laws
    # No campaign, so no pledge: the clauses are named, no obligation is linked.
    assert v["pledge_id"] is None
    assert all(x["obligation_id"] is None for x in v["clauses"])


def test_conduct_date_falls_back_to_the_day_received(client, cast) -> None:
    c = forwarded(client, cast, purchase_date=None)
    (v,) = substantiate(client, cast.national, c["id"], "counterfeit").get_json()
    assert v["conduct_date"] == c["received_at"][:10]


@pytest.mark.parametrize(
    ("setup", "categories", "status", "reason"),
    [
        ("reject", ["counterfeit"], 409, "complaint_not_substantiable"),
        ("withdraw", ["counterfeit"], 409, "complaint_not_substantiable"),
        (None, ["price_fraud"], 422, "invalid"),
        (None, ["counterfeit", "price_fraud"], 422, "invalid"),
        (None, ["no_such_category"], 422, "invalid"),
        (None, [], 422, "http_422"),
    ],
)
def test_bad_substantiations_are_refused_and_write_nothing(
    client, cast, setup, categories, status, reason
) -> None:
    c = file(client, cast)
    assert c["labels"] == ["counterfeit"]
    if setup == "reject":
        act(client, cast.regional, c["id"], "reject", reason="outside_remit")
    elif setup == "withdraw":
        act(client, cast.assoc, c["id"], "withdraw")

    resp = substantiate(client, cast.regional, c["id"], *categories)

    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["reason"] == reason
    assert violations() == 0


def test_only_regulators_who_see_the_complaint_may_substantiate(client, cast) -> None:
    c = forwarded(client, cast)
    assert (
        substantiate(client, cast.far_regional, c["id"], "counterfeit").status_code
        == 404
    )
    assert (
        substantiate(client, cast.enterprise, c["id"], "counterfeit").status_code == 403
    )
    assert substantiate(client, cast.assoc, c["id"], "counterfeit").status_code == 403
    assert violations() == 0


def test_a_category_is_substantiated_once_until_withdrawn(client, cast) -> None:
    c = forwarded(client, cast)
    (v,) = substantiate(client, cast.regional, c["id"], "counterfeit").get_json()
    again = substantiate(client, cast.regional, c["id"], "counterfeit")
    assert again.status_code == 409
    assert again.get_json()["reason"] == "already_substantiated"

    url = f"/api/v1/violations/{v['id']}/withdrawal"
    assert (
        client.post(url, json={"reason": "x"}, headers=cast.far_regional).status_code
        == 404
    )
    done = client.post(url, json={"reason": "证据不足"}, headers=cast.regional)
    assert done.status_code == 200
    assert done.get_json()["status"] == "withdrawn"
    assert done.get_json()["withdrawal_reason"] == "证据不足"
    assert (
        client.post(url, json={"reason": "x"}, headers=cast.regional).status_code == 409
    )
    assert (
        substantiate(client, cast.regional, c["id"], "counterfeit").status_code == 201
    )

    listed = client.get(
        "/api/v1/violations?status=withdrawn", headers=cast.regional
    ).get_json()
    assert [i["id"] for i in listed["items"]] == [v["id"]]
    assert (
        client.get("/api/v1/violations", headers=cast.far_regional).get_json()["total"]
        == 0
    )
    on_complaint = client.get(
        f"/api/v1/complaints/{c['id']}/violations", headers=cast.regional
    ).get_json()
    assert [x["status"] for x in on_complaint] == ["withdrawn", "active"]


def test_unknown_query_parameters_are_refused(client, cast) -> None:
    resp = client.get("/api/v1/violations?colour=red", headers=cast.national)
    assert resp.status_code == 422 and "colour" in resp.get_json()["errors"]


# Contested labels ------------------------------------------------------------------------


def contest(client, headers, complaint_id: int, category: str = "counterfeit"):
    return client.post(
        f"/api/v1/complaints/{complaint_id}/contests",
        json={"category": category, "reason": "商品为正品，有授权书"},
        headers=headers,
    )


def rule(client, headers, complaint_id: int, upheld: bool, category="counterfeit"):
    return client.post(
        f"/api/v1/complaints/{complaint_id}/contest-rulings",
        json={"category": category, "upheld": upheld, "reason": "复核"},
        headers=headers,
    )


def test_an_enterprise_contests_a_label_only_once_forwarded_to_it(client, cast) -> None:
    c = file(client, cast)
    assert contest(client, cast.enterprise, c["id"]).status_code == 409
    for action in ("accept", "forward"):
        act(client, cast.regional, c["id"], action)
    assert contest(client, cast.other_enterprise, c["id"]).status_code == 404
    assert contest(client, cast.enterprise, c["id"], "price_fraud").status_code == 422

    resp = contest(client, cast.enterprise, c["id"])

    assert resp.status_code == 201
    body = resp.get_json()
    assert body["status"] == "open" and body["rules"]
    assert all(r.startswith("counterfeit.") for r in body["rules"])
    assert contest(client, cast.enterprise, c["id"]).status_code == 409
    listed = client.get(f"/api/v1/complaints/{c['id']}/contests", headers=cast.regional)
    assert [x["id"] for x in listed.get_json()] == [body["id"]]


def test_rulings_keep_or_remove_the_label_and_feed_rule_accuracy(client, cast) -> None:
    kept = forwarded(client, cast)
    dropped = forwarded(client, cast, order_no="JD-2")
    substantiate(client, cast.regional, dropped["id"], "counterfeit")
    for c in (kept, dropped):
        assert contest(client, cast.enterprise, c["id"]).status_code == 201
    assert (
        rule(client, cast.regional, kept["id"], True, "price_fraud").status_code == 404
    )

    upheld = rule(client, cast.regional, kept["id"], True)
    overturned = rule(client, cast.regional, dropped["id"], False)

    assert (upheld.status_code, upheld.get_json()["status"]) == (200, "upheld")
    assert overturned.get_json()["status"] == "overturned"
    get = client.get(f"/api/v1/complaints/{dropped['id']}", headers=cast.regional)
    assert get.get_json()["labels"] == []
    assert client.get(
        f"/api/v1/complaints/{kept['id']}", headers=cast.regional
    ).get_json()["labels"] == ["counterfeit"]
    assert db.session.scalars(select(Violation.status)).all() == ["withdrawn"]
    assert rule(client, cast.regional, kept["id"], True).status_code == 404

    accuracy = client.get("/api/v1/rule-accuracy", headers=cast.national)
    assert accuracy.status_code == 200
    rows = accuracy.get_json()
    assert rows and all(r["category"] == "counterfeit" for r in rows)
    for r in rows:
        assert (r["upheld"], r["overturned"], r["accuracy"]) == (1, 1, 0.5)
        assert r["pack_id"] == "counterfeit"
    assert (
        client.get("/api/v1/rule-accuracy", headers=cast.enterprise).status_code == 403
    )
    assert db.session.scalar(select(func.count()).select_from(Contest)) == 2
