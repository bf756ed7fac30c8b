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

    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
    UPLOAD_DIR: str | None = None  # None: <instance>/uploads
    COMPLAINT_NUMBER_PREFIX = "TS"

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

    # SLA notices: webhooks are signed (HMAC-SHA256) and refused without a secret.
    SLA_WEBHOOK_URL: str | None = None
    SLA_WEBHOOK_SECRET: str | None = None
    SLA_REGULATOR_EMAIL: str | None = None
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_FROM = "sla@localhost"
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    SLA_DELIVERY_TIMEOUT_SECONDS = 10
    SLA_OUTBOX_MAX_ATTEMPTS = 8
    SLA_OUTBOX_BACKOFF_SECONDS = 60
    SLA_OUTBOX_CLAIM_TIMEOUT_SECONDS = 900
    SLA_OUTBOX_BATCH = 20
    TRUSTED_PROXIES = 0  # set to 1 behind one TLS-terminating proxy (HSTS, https URLs)
