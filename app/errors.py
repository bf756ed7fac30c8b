"""Domain errors and the one handler that renders every error as JSON.

Every failure leaves the app as `{code, status, reason, message, errors}`:
`code` is the HTTP status, `reason` a stable machine code, `message` a sentence
a person can act on (Chinese by default, English on request) and `errors` the
per-field details of a validation failure. The OpenAPI document publishes
this shape as `Error` (app/openapi.py) for every error status it lists.
"""

import logging
from typing import Any

import marshmallow as ma
from flask import Flask, Response, jsonify
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.i18n import pick

log = logging.getLogger(__name__)


class DomainError(Exception):
    status_code = 400
    reason = "bad_request"

    def __init__(
        self,
        message: str,
        message_en: str | None = None,
        *,
        errors: dict[str, Any] | None = None,
        status_code: int | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message_en or message)
        self.message = message
        self.message_en = message_en or message
        self.errors = errors or {}
        if status_code is not None:
            self.status_code = status_code
        if reason is not None:
            self.reason = reason


class NotFound(DomainError):
    status_code = 404
    reason = "not_found"


class Conflict(DomainError):
    status_code = 409
    reason = "conflict"


class Invalid(DomainError):
    """A request that is well-formed but breaks a business rule."""

    status_code = 422
    reason = "invalid"


class Unauthorized(DomainError):
    status_code = 401
    reason = "unauthorized"


class Forbidden(DomainError):
    status_code = 403
    reason = "forbidden"


def field_error(field: str, message: str, message_en: str) -> Invalid:
    """Build a validation error that names one field."""
    return Invalid(message, message_en, errors={field: [pick(message, message_en)]})


_HTTP_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("请求格式有误。", "The request is malformed."),
    401: ("需要登录或有效的 API 令牌。", "Sign in or send a valid API token."),
    403: ("无权执行此操作。", "You may not do this."),
    404: ("未找到该资源。", "Not found."),
    405: ("该地址不支持此请求方法。", "This method is not allowed here."),
    409: ("与当前状态冲突。", "Conflicts with the current state."),
    413: ("请求内容过大。", "The request body is too large."),
    415: ("不支持的内容类型。", "Unsupported media type."),
    422: ("请求数据有误，请检查标出的字段。", "Invalid fields; see errors."),
    429: ("请求过于频繁，请稍后再试。", "Too many requests; try again later."),
    500: ("服务器内部错误，请稍后再试。", "Internal server error; try again later."),
}


def _body(code: int, status: str, reason: str, message: str, errors: Any) -> Response:
    resp = jsonify(
        {
            "code": code,
            "status": status,
            "reason": reason,
            "message": message,
            "errors": errors or {},
        }
    )
    resp.status_code = code
    return resp


def _http_message(code: int, fallback: str) -> str:
    zh, en = _HTTP_MESSAGES.get(code, (fallback, fallback))
    return pick(zh, en)


_LOCATIONS = {"json", "query", "form", "files", "headers", "view_args", "path"}


def _flatten_locations(errors: Any) -> Any:
    # webargs nests field errors under their location ("json", "query"); field
    # names are unique across locations here, so lift them to the top level to
    # keep one shape for every validation error.
    if isinstance(errors, dict) and errors and set(errors) <= _LOCATIONS:
        flat: dict[str, Any] = {}
        for inner in errors.values():
            flat.update(inner if isinstance(inner, dict) else {"_schema": inner})
        return flat
    return errors


def register_error_handlers(app: Flask) -> None:
    def on_domain_error(err: DomainError) -> Response:
        db.session.rollback()
        from http import HTTPStatus

        return _body(
            err.status_code,
            HTTPStatus(err.status_code).phrase,
            err.reason,
            pick(err.message, err.message_en),
            err.errors,
        )

    def on_validation_error(err: ma.ValidationError) -> Response:
        db.session.rollback()
        errors = (
            err.messages
            if isinstance(err.messages, dict)
            else {"_schema": err.messages}
        )
        return _body(
            422, "Unprocessable Entity", "validation", _http_message(422, ""), errors
        )

    def on_http_exception(err: HTTPException) -> Response:
        db.session.rollback()
        code = err.code or 500
        data = getattr(err, "data", None) or {}
        errors = _flatten_locations(data.get("errors") or data.get("messages") or {})
        message = data.get("message") or _http_message(code, err.name)
        resp = _body(code, err.name, "http_" + str(code), message, errors)
        if code == 405 and err.get_response().headers.get("Allow"):
            resp.headers["Allow"] = err.get_response().headers["Allow"]
        for key, value in (data.get("headers") or {}).items():
            resp.headers[key] = value
        return resp

    def on_unexpected(err: Exception) -> Response:
        # Never show a stack trace; log it for the operators.
        log.exception("unhandled error", exc_info=err)
        db.session.rollback()
        return _body(
            500, "Internal Server Error", "internal", _http_message(500, ""), {}
        )

    def on_csrf_error(err: CSRFError) -> Response:
        db.session.rollback()
        return _body(
            401,
            "Unauthorized",
            "csrf",
            pick(
                "表单已过期或缺少 CSRF 令牌，请刷新页面后重试。",
                "The form expired or lacks its CSRF token; reload and try again.",
            ),
            {},
        )

    def on_too_deep(err: RecursionError) -> Response:
        db.session.rollback()
        return _body(
            400,
            "Bad Request",
            "json_too_deep",
            pick("JSON 嵌套层级过深。", "The JSON is nested too deeply."),
            {},
        )

    def on_out_of_range(err: Exception) -> Response:
        # An id or number the database cannot hold: the client's input, not our fault.
        db.session.rollback()
        return _body(
            422,
            "Unprocessable Entity",
            "out_of_range",
            pick("数值超出允许范围。", "A number is out of the allowed range."),
            {},
        )

    def on_stale(err: StaleDataError) -> Response:
        db.session.rollback()
        return _body(
            409,
            "Conflict",
            "concurrent_update",
            pick(
                "该记录刚被他人修改，请刷新后重试。",
                "The record was changed by someone else just now; reload and retry.",
            ),
            {},
        )

    app.register_error_handler(RecursionError, on_too_deep)
    app.register_error_handler(OverflowError, on_out_of_range)
    app.register_error_handler(DataError, on_out_of_range)
    app.register_error_handler(StaleDataError, on_stale)
    app.register_error_handler(CSRFError, on_csrf_error)
    app.register_error_handler(DomainError, on_domain_error)
    app.register_error_handler(ma.ValidationError, on_validation_error)
    app.register_error_handler(HTTPException, on_http_exception)
    app.register_error_handler(InternalServerError, on_http_exception)
    app.register_error_handler(Exception, on_unexpected)
