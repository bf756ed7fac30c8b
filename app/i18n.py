"""Language choice: simplified Chinese by default, English on request.

The caller picks English with `?lang=en`, a `lang` cookie or an
Accept-Language header that prefers English; everything else gets Chinese.
A `?lang=` choice is kept in the cookie, so the pages that follow a click on
the language switch stay in the chosen language.
"""

from flask import current_app, has_request_context, request
from werkzeug.wrappers import Response

LANGUAGES = ("zh", "en")
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def current_language() -> str:
    """Return 'zh' or 'en' for the current request ('zh' outside one)."""
    if not has_request_context():
        return "zh"
    for chosen in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if chosen in LANGUAGES:
            return chosen
    best = request.accept_languages.best_match(["zh", "zh-CN", "en"], default="zh")
    return "en" if best and best.startswith("en") else "zh"


def pick(zh: str, en: str) -> str:
    """Return the text in the current language."""
    return en if current_language() == "en" else zh


def remember_language(response: Response) -> Response:
    """Store a `?lang=` choice in the cookie (an after-request hook)."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(
            COOKIE,
            chosen,
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
    return response
