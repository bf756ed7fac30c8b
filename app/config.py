"""Configuration defaults.

Nothing here reads the environment or touches the disk: `create_app` layers
`FLASK_*` variables (and the conventional `DATABASE_URL`) over these defaults,
then any mapping the caller passes in.
"""

from typing import Any


class Defaults:
    SECRET_KEY = "dev-only-change-me"
    # None means: a SQLite file in the instance folder.
    DATABASE_URL: str | None = None
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    SQLITE_BUSY_TIMEOUT_MS = 5000

    JSON_AS_ASCII = False
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    # flask-smorest / OpenAPI
    API_TITLE = "Festival compliance service"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"

    DISPLAY_TIMEZONE = "Asia/Shanghai"
    DEFAULT_LANGUAGE = "zh"

    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None

    # Flask-Limiter: in-memory storage is per process; documented in README.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"

    SCHEDULER_AUTOSTART = False
