from dataclasses import dataclass

import pytest

from tests import builders as b


@dataclass
class Cast:
    jd_id: int
    assoc: dict[str, str]
    other_assoc: dict[str, str]
    enterprise: dict[str, str]
    other_enterprise: dict[str, str]
    regional: dict[str, str]
    far_regional: dict[str, str]
    national: dict[str, str]
    admin: dict[str, str]


@pytest.fixture
def cast(app) -> Cast:
    """One user of each role, plus a second organisation for the scoping checks."""
    jd = b.jd()
    b.region("410100", "郑州市", "city", "410000")
    b.region("440000", "广东省")
    return Cast(
        jd_id=jd.id,
        assoc=b.actor_headers(
            "association", org=b.organisation("association", region_code="410100")
        )[1],
        other_assoc=b.actor_headers("association", org=b.organisation("association"))[
            1
        ],
        enterprise=b.actor_headers("enterprise", enterprise=jd)[1],
        other_enterprise=b.actor_headers("enterprise", enterprise=b.enterprise())[1],
        regional=b.actor_headers(
            "regional_regulator", org=b.organisation("authority", region_code="410100")
        )[1],
        far_regional=b.actor_headers(
            "regional_regulator", org=b.organisation("authority", region_code="440000")
        )[1],
        national=b.actor_headers("national_regulator")[1],
        admin=b.actor_headers("admin")[1],
    )


def file(client, cast: Cast, **over) -> dict:
    resp = client.post(
        "/api/v1/complaints", json=b.complaint_body(**over), headers=cast.assoc
    )
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def act(client, headers: dict, complaint_id: int, action: str, **extra):
    return client.post(
        f"/api/v1/complaints/{complaint_id}/transitions",
        json={"action": action, **extra},
        headers=headers,
    )
