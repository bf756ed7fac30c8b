from typing import Any

import pytest

from app.accounts.roles import Role
from app.openapi import error_statuses

JSON_BODY = {"requestBody": {"content": {"application/json": {}}}}
UPLOAD = {"requestBody": {"content": {"multipart/form-data": {}}}}
EVERYONE = frozenset(Role)
ADMIN = frozenset({Role.ADMIN})


@pytest.mark.parametrize(
    ("method", "operation", "rule", "roles", "expected"),
    [
        ("get", {}, "/api/v1/me", EVERYONE, [401]),
        ("get", {}, "/api/v1/users", ADMIN, [401, 403]),
        ("get", {}, "/api/v1/complaints/<int:complaint_id>", EVERYONE, [401, 404, 422]),
        ("get", {}, "/api/v1/regions/<string:code>", EVERYONE, [401, 404]),
        (
            "post",
            JSON_BODY,
            "/api/v1/complaints",
            ADMIN,
            [400, 401, 403, 409, 413, 422],
        ),
        (
            "post",
            UPLOAD,
            "/api/v1/complaints/imports",
            ADMIN,
            [401, 403, 409, 413, 422],
        ),
        (
            "delete",
            {},
            "/api/v1/calendar/years/<int:year>",
            ADMIN,
            [401, 403, 404, 409, 422],
        ),
    ],
)
def test_lists_the_errors_an_operation_can_answer(
    method: str, operation: dict[str, Any], rule: str, roles: Any, expected: list[int]
) -> None:
    assert error_statuses(method, operation, rule=rule, roles=roles) == expected


def test_every_operation_lists_its_errors_in_the_one_shape(client) -> None:
    spec = client.get("/api/openapi.json").get_json()
    error = spec["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "status", "reason", "message", "errors"}
    for item in spec["paths"].values():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert "default" not in operation["responses"]
            assert operation["responses"]["401"] == {
                "$ref": "#/components/responses/UNAUTHORIZED"
            }
