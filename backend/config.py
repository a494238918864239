"""Settings: the only module that reads ``os.environ``.

Tests and the CLI set environment variables *before* calling :func:`get_settings`;
the result is cached per process, so call :func:`get_settings.cache_clear` after
changing the environment in-process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    data_dir: Path
    api_url: str
    max_body_bytes: int
    log_level: str
    secret_key: str
    access_token_minutes: int
    idle_timeout_minutes: int
    mfa_required_roles: frozenset[str]
    timezone: str
    late_entry_hours: int = 72
    # Seconds before a database call gives up (connecting or pinging a pooled connection;
    # one statement; waiting for a free connection): an outage answers 503, never hangs.
    db_connect_timeout: int = 3
    db_command_timeout: int = 15
    db_pool_timeout: int = 5
    # The billing organisation, as claims name it ("name|NPI|tax id|street|city|ST|zip").
    billing_provider: str = "Demo Behavioral Health|1234567893|123456789|1 Main St|Boston|MA|02110"
    clearinghouse: str = "CLEARINGHOUSE|CLEARHOUSE01"  # receiver name|id
    x12_production: bool = False
    # A read replica for the reports' queries; None: they read the primary (database_url).
    reports_database_url: str | None = None
    # "production" refuses weak signing keys and never generates one (docs/security.md).
    environment: str = "development"
    # Browser origins other than the app's own that may call the API; none by default.
    cors_origins: tuple[str, ...] = ()
    # Peers whose X-Forwarded-For / X-Forwarded-Proto are believed: the TLS proxy, and the
    # UI server, which calls the API on the browser's behalf from the same machine.
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    # Failed sign-ins or refreshes one client address may make per window, whatever the
    # usernames tried; then 429 until the window ends.
    auth_failures_per_address: int = 30
    auth_failure_window_minutes: int = 15

    @property
    def embedded(self) -> bool:
        """True when no external server is configured and we run our own PostgreSQL."""
        return not self.database_url

    @property
    def production(self) -> bool:
        return self.environment == "production"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def _list(name: str, default: str = "") -> tuple[str, ...]:
    return tuple(item.strip() for item in os.environ.get(name, default).split(",") if item.strip())


@lru_cache
def get_settings() -> Settings:
    data_dir = Path(os.environ.get("EMR_DATA_DIR") or PROJECT_ROOT / "var").resolve()
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or None,
        reports_database_url=os.environ.get("EMR_REPORTS_DATABASE_URL") or None,
        data_dir=data_dir,
        api_url=os.environ.get("EMR_API_URL", "http://127.0.0.1:8000").rstrip("/"),
        max_body_bytes=_int("EMR_MAX_BODY_BYTES", 1_048_576),
        log_level=os.environ.get("EMR_LOG_LEVEL", "INFO").upper(),
        secret_key=os.environ.get("EMR_SECRET_KEY", ""),
        access_token_minutes=_int("EMR_ACCESS_TOKEN_MINUTES", 5),
        idle_timeout_minutes=_int("EMR_IDLE_TIMEOUT_MINUTES", 15),
        timezone=os.environ.get("EMR_TIMEZONE", "America/New_York"),
        late_entry_hours=_int("EMR_LATE_ENTRY_HOURS", 72),
        db_connect_timeout=_int("EMR_DB_CONNECT_TIMEOUT", 3),
        db_command_timeout=_int("EMR_DB_COMMAND_TIMEOUT", 15),
        db_pool_timeout=_int("EMR_DB_POOL_TIMEOUT", 5),
        billing_provider=os.environ.get(
            "EMR_BILLING_PROVIDER",
            "Demo Behavioral Health|1234567893|123456789|1 Main St|Boston|MA|02110",
        ),
        clearinghouse=os.environ.get("EMR_CLEARINGHOUSE", "CLEARINGHOUSE|CLEARHOUSE01"),
        x12_production=os.environ.get("EMR_X12_PRODUCTION", "") == "1",
        environment=os.environ.get("EMR_ENV", "development").strip().lower(),
        cors_origins=tuple(o.rstrip("/") for o in _list("EMR_CORS_ORIGINS")),
        trusted_proxies=_list("EMR_TRUSTED_PROXIES", "127.0.0.1,::1"),
        auth_failures_per_address=_int("EMR_AUTH_FAILURES_PER_ADDRESS", 30),
        auth_failure_window_minutes=_int("EMR_AUTH_FAILURE_WINDOW_MINUTES", 15),
        mfa_required_roles=frozenset(
            r.strip()
            for r in os.environ.get("EMR_MFA_REQUIRED_ROLES", "admin").split(",")
            if r.strip()
        ),
    )


def async_url(url: str) -> str:
    """Turn a libpq-style URL (``postgresql://``) into SQLAlchemy's asyncpg form."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"DATABASE_URL must be a postgresql:// URL, got {url.split(':', 1)[0]}://")
