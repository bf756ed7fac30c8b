"""The API docs page: Swagger UI served from the installed package, no CDN."""

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, Response, render_template, send_from_directory, url_for

bp = Blueprint("docs", __name__, url_prefix="/api/docs")
_DIST = Path(flask_swagger_ui.__file__).parent / "dist"


@bp.get("/")
def index() -> str:
    return render_template("docs/index.html")


@bp.get("/init.js")
def init_js() -> Response:
    # Kept out of the page so the page needs no inline script (CSP).
    spec = url_for("api-docs.openapi_json")
    body = (
        "window.onload = function () {\n"
        f"  window.ui = SwaggerUIBundle({{url: {spec!r}, dom_id: '#swagger-ui',"
        " deepLinking: true, presets: [SwaggerUIBundle.presets.apis]});\n};\n"
    )
    return Response(body, mimetype="application/javascript")


@bp.get("/assets/<path:filename>")
def assets(filename: str) -> Response:
    return send_from_directory(_DIST, filename)
