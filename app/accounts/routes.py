"""Accounts API (/api/v1/me, users, tokens, audit) and the sign-in pages."""

from typing import Any

from flask import Blueprint as FlaskBlueprint
from flask import current_app, redirect, render_template, request, url_for
from flask.views import MethodView
from flask_login import login_user, logout_user
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from app.accounts import audit, auth, service
from app.accounts import schemas as s
from app.accounts.access import ANY_ROLE, allow
from app.accounts.roles import Role
from app.errors import Unauthorized
from app.extensions import csrf, limiter

bp = Blueprint(
    "accounts", __name__, url_prefix="/api/v1", description="Users, tokens, audit"
)
web = FlaskBlueprint("auth", __name__)


@bp.route("/me")
class Me(MethodView):
    @allow(*ANY_ROLE)
    @bp.response(200, s.MeSchema)
    def get(self) -> Any:
        return auth.current_actor()


@bp.route("/users")
class UserList(MethodView):
    @allow(Role.ADMIN)
    @bp.response(200, s.UserSchema(many=True))
    def get(self) -> Any:
        return service.list_users(auth.current_actor())

    @allow(Role.ADMIN)
    @bp.arguments(s.UserSchema)
    @bp.response(201, s.UserSchema)
    def post(self, data: dict[str, Any]) -> Any:
        return service.create_user(auth.current_actor(), data=data)


@bp.route("/tokens")
class TokenList(MethodView):
    @allow(*ANY_ROLE)
    @bp.response(200, s.TokenSchema(many=True))
    def get(self) -> Any:
        return service.list_tokens(auth.current_actor())

    @allow(*ANY_ROLE)
    @bp.arguments(s.TokenCreateSchema)
    @bp.response(201, s.NewTokenSchema)
    def post(self, data: dict[str, Any]) -> Any:
        actor = auth.current_actor()
        user = service.get_user(actor.user_id)
        row, token = service.create_token(
            actor, user, name=data["name"], expires_at=data.get("expires_at")
        )
        return {**{k: getattr(row, k) for k in s.TokenSchema().fields}, "token": token}


@bp.route("/tokens/<int:token_id>/revocation")
class TokenRevocation(MethodView):
    @allow(*ANY_ROLE)
    @bp.response(200, s.TokenSchema)
    def post(self, token_id: int) -> Any:
        return service.revoke_token(auth.current_actor(), token_id)


@bp.route("/audit")
class AuditList(MethodView):
    @allow(Role.ADMIN, Role.NATIONAL_REGULATOR)
    @bp.arguments(s.AuditQueryArgsSchema, location="query")
    @bp.response(200, s.AuditEntrySchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        return service.audit_entries(auth.current_actor(), **args)


@bp.route("/audit/verification")
class AuditVerification(MethodView):
    @allow(Role.ADMIN, Role.NATIONAL_REGULATOR)
    @bp.response(200, s.AuditVerifySchema)
    def get(self) -> Any:
        found = audit.verify()
        return {
            "intact": found is None,
            "broken_at": found.seq if found else None,
            "problem": found.problem if found else None,
        }


@web.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: _login_limit(), methods=["POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()
        try:
            user = service.authenticate(
                request.form.get("email", ""), request.form.get("password", "")
            )
        except Unauthorized as err:
            error = err
        else:
            login_user(user)
            target = request.args.get("next", "")
            # Only local paths: never an open redirect.
            return redirect(
                target
                if target.startswith("/") and not target.startswith("//")
                else "/"
            )
    status = 401 if error else 200
    return render_template("accounts/login.html", error=error), status


@web.post("/logout")
def logout() -> Response:
    logout_user()
    return redirect(url_for("auth.login"))


def _login_limit() -> str:
    from flask import current_app

    return str(current_app.config["LOGIN_RATE_LIMIT"])
