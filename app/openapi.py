"""What /api/openapi.json says about errors, files, decimal amounts and answers
built by hand (documented by a schema the route does not dump through).

Every error leaves the app in the one shape of app/errors.py, and each
operation lists the error statuses it can answer, read off the operation
itself rather than written out route by route:
- 401 everywhere (a token or a signed-in session is required), 403 where
  `allow` admits only some roles;
- 404 and 422 where the path names an object (unknown or out of the caller's
  sight; an id too large to store);
- 400 (malformed JSON), 413 (over MAX_CONTENT_LENGTH) and 422 where a body is
  read, 409 on writes (a state that forbids the change, or a concurrent update).
`@bp.arguments` documents its own 422. There is no catch-all "default"
response, so an undocumented status is a finding of the schema fuzz test.
"""

import re
from collections.abc import Callable, Collection, Mapping
from http import HTTPStatus
from typing import Any

import flask_smorest
import marshmallow as ma
from apispec import BasePlugin
from flask import Flask

from app.accounts.roles import Role

BINARY = {"type": "string", "format": "binary"}
DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"
WRITES = ("post", "put", "patch", "delete")
_INT_IN_PATH = re.compile(r"<int(\([^)]*\))?:")


class ErrorSchema(ma.Schema):
    code = ma.fields.Integer(required=True, metadata={"description": "HTTP status"})
    status = ma.fields.String(required=True, metadata={"description": "HTTP phrase"})
    reason = ma.fields.String(
        required=True,
        metadata={"description": "Stable machine code: not_found, validation, ..."},
    )
    message = ma.fields.String(
        required=True, metadata={"description": "Chinese, or English on request"}
    )
    errors = ma.fields.Dict(
        required=True,
        metadata={"description": "Per-field messages of a validation failure"},
    )


def file_response(*content_types: str) -> dict[str, Any]:
    """Return the `@bp.doc` of a 200 answered with a file of one of these types."""
    content = {ctype: {"schema": BINARY} for ctype in content_types}
    return {"responses": {200: {"description": "OK", "content": content}}}


def json_schema(schema: type[ma.Schema], description: str) -> dict[str, Any]:
    """Return the `@bp.doc` of a 200 whose JSON is built by hand, as `schema` says.

    The route returns its dict as it is; the schema only documents it (apispec
    publishes it as a component), so documenting cannot change the answer.
    """
    content = {"application/json": {"schema": schema}}
    return {"responses": {200: {"description": description, "content": content}}}


def error_statuses(
    method: str,
    operation: Mapping[str, Any],
    *,
    rule: str,
    roles: Collection[Role] | None,
) -> list[int]:
    """List the error statuses an operation can answer (see the module doc)."""
    codes = [401]
    if roles is not None and set(roles) != set(Role):
        codes.append(403)
    if "<" in rule:
        codes.append(404)
        if _INT_IN_PATH.search(rule):
            codes.append(422)
    body = operation.get("requestBody", {}).get("content", {})
    if body:
        codes += [413, 422]
        if "application/json" in body:
            codes.append(400)
    if method in WRITES:
        codes.append(409)
    return sorted(set(codes))


class ErrorResponses(BasePlugin):
    """Add each operation's error statuses, all in the one error shape."""

    def __init__(self, view_functions: Mapping[str, Callable[..., Any]]) -> None:
        self.view_functions = view_functions

    def operation_helper(
        self,
        path: str | None = None,
        operations: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        rule = kwargs["rule"]
        view = self.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method, operation in (operations or {}).items():
            func = getattr(view_class, method, view)
            roles = getattr(func, "allowed_roles", None)
            responses = operation.setdefault("responses", {})
            for code in error_statuses(method, operation, rule=rule.rule, roles=roles):
                if code not in responses and str(code) not in responses:
                    # flask-smorest registers a response named after each
                    # status (NOT_FOUND, ...) with ERROR_SCHEMA as its body.
                    responses[str(code)] = HTTPStatus(code).name
            operation["responses"] = dict(
                sorted(responses.items(), key=lambda item: str(item[0]))
            )


def _decimal_as_string(
    self: Any, field: ma.fields.Field[Any], **_: Any
) -> dict[str, Any]:
    # apispec calls every Decimal a number; ours go out as fixed-point strings
    # ("299.00"), which is also what a client should send.
    if isinstance(field, ma.fields.Decimal) and field.as_string:
        return {"type": "string", "format": "decimal", "pattern": DECIMAL}
    return {}


class Api(flask_smorest.Api):
    """flask-smorest's Api, publishing the app's error shape and statuses."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # each operation lists its own errors

    def init_app(
        self, app: Flask, *, spec_kwargs: dict[str, Any] | None = None
    ) -> None:
        plugins = [ErrorResponses(app.view_functions)]
        super().init_app(
            app, spec_kwargs={"extra_plugins": plugins, **(spec_kwargs or {})}
        )
        self.ma_plugin.converter.add_attribute_function(_decimal_as_string)
        self.spec.components.security_scheme(
            "bearerAuth", {"type": "http", "scheme": "bearer"}
        )
        self.spec.options["security"] = [{"bearerAuth": []}]
