"""Language choice: simplified Chinese by default, English on request.

The caller picks English with `?lang=en`, a `lang` cookie or an
Accept-Language header that prefers English; everything else gets Chinese.
"""

from flask import has_request_context, request

LANGUAGES = ("zh", "en")


def current_language() -> str:
    """Return 'zh' or 'en' for the current request ('zh' outside one)."""
    if not has_request_context():
        return "zh"
    chosen = request.args.get("lang") or request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(["zh", "zh-CN", "en"], default="zh")
    return "en" if best and best.startswith("en") else "zh"


def pick(zh: str, en: str) -> str:
    """Return the text in the current language."""
    return en if current_language() == "en" else zh
