import pytest
from flask.testing import FlaskClient


class _Authed:
    """The shared test client, signed in as an association user."""

    def __init__(self, inner: FlaskClient, headers: dict[str, str]) -> None:
        self._inner, self._headers = inner, headers

    def get(self, url: str, **kw: object):  # type: ignore[no-untyped-def]
        return self._inner.get(url, headers=self._headers, **kw)

    def post(self, url: str, **kw: object):  # type: ignore[no-untyped-def]
        return self._inner.post(url, headers=self._headers, **kw)


@pytest.fixture
def client(app, client: FlaskClient) -> _Authed:  # type: ignore[no-untyped-def]
    from tests import builders as b

    return _Authed(client, b.actor_headers("association")[1])


def test_classify_returns_labels_with_their_explanations(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/classify", json={"text": "京东卖假货", "conduct_date": "2021-05-01"}
    )

    assert response.status_code == 200
    body = response.get_json()
    assert body["labels"] == ["counterfeit"]
    assert body["explanations"][0]["rule"] == "counterfeit.fake-terms"
    assert body["nature"]["code"] == "counterfeit"
    assert body["conduct_date"] == "2021-05-01"
    counterfeit = next(c for c in body["categories"] if c["category"] == "counterfeit")
    assert counterfeit["legal_basis"][0]["effective_from"]
    assert body["pack_versions"]["counterfeit"] == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"text": "   "},
        {},
        {"text": "x" * 20_001},
        {"text": "假货", "conduct_date": "soon"},
    ],
)
def test_classify_refuses_bad_input_naming_the_field(
    client: FlaskClient, payload: dict[str, str]
) -> None:
    response = client.post("/api/v1/classify", json=payload)

    assert response.status_code == 422
    fields = response.get_json()["errors"]
    assert set(fields) <= {"text", "conduct_date"}
    assert fields


def test_classify_refuses_a_conduct_date_in_the_future(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/classify", json={"text": "假货", "conduct_date": "2999-01-01"}
    )

    assert response.status_code == 422
    assert "conduct_date" in response.get_json()["errors"]


def test_lists_rule_packs_with_versions_law_and_rule_counts(
    client: FlaskClient,
) -> None:
    response = client.get("/api/v1/rule-packs")

    assert response.status_code == 200
    listed = {p["category"]: p for p in response.get_json()}
    exclusive = listed["exclusive_dealing"]
    assert exclusive["version"] == 1
    assert exclusive["pledge_clauses"] == [2, 6]
    assert exclusive["rule_count"] == sum(exclusive["rule_kinds"].values())
    ended = [b for b in exclusive["legal_basis"] if b["effective_until"]]
    assert ended[0]["effective_until"] == "2022-07-31"
