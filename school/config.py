"""Settings read from the environment.

Development needs nothing set: SQLite lives in instance/ and a secret key is generated
there once. Production (APP_ENV=production) refuses to start without SECRET_KEY.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    pass


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _normalise_db_url(url: str) -> str:
    # Hosting panels hand out postgres:// URLs; SQLAlchemy wants an explicit driver.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _secret_key(instance_path: Path, production: bool) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set in production")
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    env = os.environ
    overrides = overrides or {}
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    production = env.get("APP_ENV", "development") == "production"

    db_url = _normalise_db_url(
        env.get("DATABASE_URL") or f"sqlite:///{instance / 'school.db'}"
    )
    redis_url = env.get("REDIS_URL") or None
    cfg: dict = {
        "APP_ENV": "production" if production else "development",
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(db_url),
        "SQLALCHEMY_RECORD_QUERIES": False,
        "SECRET_KEY": overrides.get("SECRET_KEY") or _secret_key(instance, production),
        "BASE_URL": env.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Behind a load balancer or reverse proxy: how many of them to trust for
        # X-Forwarded-For/-Proto/-Host (0: none, the address is the TCP peer's).
        "PROXY_COUNT": int(env.get("PROXY_COUNT", 0)),
        # FAILED sign-ins allowed per client address (successes never count): a seminar
        # room shares one address.
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "30 per 10 minutes;100 per hour"),
        # Failed sign-ins per account before each next try waits: 1 s, 2 s, 4 s … up to the
        # cap. A browser the owner has signed in from before is counted apart.
        "LOGIN_FREE_FAILURES": int(env.get("LOGIN_FREE_FAILURES", 5)),
        "LOGIN_BACKOFF_MAX": int(env.get("LOGIN_BACKOFF_MAX", 300)),
        "PEOPLE_SEARCH_RATE_LIMIT": env.get("PEOPLE_SEARCH_RATE_LIMIT",
                                            "30 per minute;300 per day"),
        # A signed-in session without "remember me" ends after this many days at most.
        "SESSION_MAX_DAYS": int(env.get("SESSION_MAX_DAYS", 14)),
        "RESET_RATE_LIMIT": env.get("RESET_RATE_LIMIT", "5 per minute;20 per hour"),
        "PASSWORD_RESET_MAX_AGE": int(env.get("PASSWORD_RESET_MAX_AGE", 3600 * 2)),
        "INVITE_MAX_AGE": int(env.get("INVITE_MAX_AGE", 3600 * 24 * 7)),
        # Mail: console in development, SMTP when MAIL_SERVER is set.
        "MAIL_BACKEND": env.get(
            "MAIL_BACKEND", "smtp" if env.get("MAIL_SERVER") else "console"
        ),
        "MAIL_SERVER": env.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(env.get("MAIL_PORT", 25)),
        "MAIL_USERNAME": env.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL")),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "school@fprk.kz"),
        "BABEL_DEFAULT_LOCALE": "ru",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Almaty",
        "LANGUAGES": ("ru", "kk", "en"),
        "BOOTSTRAP_SERVE_LOCAL": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        # Upload previews (names, IINs) are deleted after this many seconds.
        "UPLOAD_TTL": int(env.get("UPLOAD_TTL") or 3600),
        # Event materials (school/materials): the largest file, in bytes.
        "MATERIALS_MAX_BYTES": int(env.get("MATERIALS_MAX_BYTES") or 8 * 1024 * 1024),
        # Online attendance from a meeting report, unless the event sets its own: present
        # from this share of the session, late when joined more than N minutes after start.
        "ONLINE_PRESENT_PERCENT": int(env.get("ONLINE_PRESENT_PERCENT") or 75),
        "ONLINE_LATE_MINUTES": int(env.get("ONLINE_LATE_MINUTES") or 15),
        # The consent text's version (templates/accounts/_consent_text.html): bump it when
        # the words change, so every record says which text the person accepted.
        "CONSENT_VERSION": "2026-12",
        # The personal-data operator named in the consent text (Law No. 94-V, art. 8).
        "OPERATOR_NAME_RU": env.get("OPERATOR_NAME_RU", "ОЮЛ «Федерация профсоюзов Республики "
                                    "Казахстан»"),
        "OPERATOR_NAME_KK": env.get("OPERATOR_NAME_KK", "«Қазақстан Республикасы Кәсіподақтар "
                                    "федерациясы» ЗТБ"),
        "OPERATOR_NAME_EN": env.get("OPERATOR_NAME_EN", "Federation of Trade Unions of the "
                                    "Republic of Kazakhstan"),
        "OPERATOR_BIN": env.get("OPERATOR_BIN", "000000000000"),
        # People inactive this many years are anonymised by `flask anonymise-expired`.
        "RETENTION_YEARS": int(env.get("RETENTION_YEARS") or 5),
        "PAGE_SIZE": 25,
        # Self check-in: open from N minutes before a session to N minutes after its end;
        # a check-in more than N minutes after the start counts as late.
        "ATTENDANCE_CHECKIN_BEFORE_MINUTES": int(env.get("ATTENDANCE_CHECKIN_BEFORE_MINUTES", 15)),
        "ATTENDANCE_CHECKIN_AFTER_MINUTES": int(env.get("ATTENDANCE_CHECKIN_AFTER_MINUTES", 30)),
        "ATTENDANCE_LATE_AFTER_MINUTES": int(env.get("ATTENDANCE_LATE_AFTER_MINUTES", 15)),
        "ATTENDANCE_CHECKIN_RATE_LIMIT": env.get("ATTENDANCE_CHECKIN_RATE_LIMIT", "10 per minute"),
        # Feedback: a reminder N days after the invitation; answers taken for N days.
        "EVALUATION_REMINDER_DAYS": int(env.get("EVALUATION_REMINDER_DAYS", 3)),
        "EVALUATION_ANSWER_DAYS": int(env.get("EVALUATION_ANSWER_DAYS", 30)),
        # `seed-demo` issues at most this many demo certificates (oldest events first: the
        # previous years complete, this year's partly, so staff can try issuing themselves).
        "CERTIFICATE_DEMO_LIMIT": int(env.get("CERTIFICATE_DEMO_LIMIT", 450)),
        # Anonymous catalogue and event pages are served from a cache this many seconds.
        "PAGE_CACHE_SECONDS": float(env.get("PAGE_CACHE_SECONDS", 5)),
        # How long the event lock may be held before it is logged, and a file that gets
        # every hold in milliseconds (bench/ sets it; empty in production).
        "LOCK_HOLD_WARN_MS": float(env.get("LOCK_HOLD_WARN_MS", 250)),
        "LOCK_HOLD_LOG": env.get("LOCK_HOLD_LOG", ""),
        # The JSON API: requests per token (or per address without one); webhook delivery.
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT", "300 per minute"),
        "WEBHOOK_RETRY_DELAYS": env.get("WEBHOOK_RETRY_DELAYS", "10,60,300,1800,7200"),
        "WEBHOOK_DISABLE_AFTER": int(env.get("WEBHOOK_DISABLE_AFTER", 5)),
        "WEBHOOK_TIMEOUT": float(env.get("WEBHOOK_TIMEOUT", 10)),
        "WEBHOOK_QUEUE": env.get("WEBHOOK_QUEUE", "webhooks"),
        # Only for tests and closed networks: lets webhooks reach loopback/private addresses.
        "WEBHOOK_ALLOW_PRIVATE": _bool(env.get("WEBHOOK_ALLOW_PRIVATE")),
    }
    cfg.update(overrides)
    if "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
        # Options follow the database finally chosen, which an override may have changed.
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(cfg["SQLALCHEMY_DATABASE_URI"])
    return cfg


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # A generous busy timeout: writers queue instead of failing with "locked".
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}
