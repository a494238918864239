"""Settings: the only module that reads ``os.environ``.

Tests and the CLI set environment variables *before* calling :func:`get_settings`;
the result is cached per process, so call :func:`get_settings.cache_clear` after
changing the environment in-process.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The audit chain's key ids: short, printable, stored with every event. "sha256" names the
# unkeyed events written before the chain was keyed (migration 0014), never a key.
AUDIT_KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,32}")
LEGACY_AUDIT_KEY_ID = "sha256"
MAX_AUDIT_CHAINS = 64  # head rows made by migration 0014


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
    # The audit chain's HMAC keys by id (the current one and older ones that still verify
    # the events they signed) and the id that signs new events; never stored in the
    # database (docs/operations.md, "The audit key").
    audit_keys: Mapping[str, str] = field(default_factory=dict)
    audit_key_id: str = ""
    # Audited writes spread over this many chains, each with its own lock (1..64).
    audit_chains: int = 16

    @property
    def audit_key(self) -> str:
        """The secret that signs new audit events; empty when none is configured."""
        return self.audit_keys.get(self.audit_key_id, "")

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


def audit_key_fingerprint(secret: str) -> str:
    """The id of a key configured without ``EMR_AUDIT_KEY_ID``: derived from the key, so the
    same key always gets the same id (12 hex digits reveal nothing usable about it)."""
    return "k" + hashlib.sha256(b"emr audit key id\n" + secret.encode()).hexdigest()[:12]


def _audit_keys() -> tuple[dict[str, str], str]:
    """``EMR_AUDIT_KEY`` (signs new events; its id ``EMR_AUDIT_KEY_ID`` or its fingerprint)
    and ``EMR_AUDIT_OLD_KEYS`` (``id:secret,id:secret``: verify what they signed)."""
    keys: dict[str, str] = {}
    for entry in _list("EMR_AUDIT_OLD_KEYS"):
        key_id, colon, secret = entry.partition(":")
        if not colon or not secret:
            raise ValueError("EMR_AUDIT_OLD_KEYS must be id:secret entries separated by commas")
        keys[key_id.strip()] = secret.strip()
    current = os.environ.get("EMR_AUDIT_KEY", "").strip()
    if not current:
        return keys, ""
    key_id = os.environ.get("EMR_AUDIT_KEY_ID", "").strip() or audit_key_fingerprint(current)
    keys[key_id] = current
    return keys, key_id


def audit_key_problems(settings: Settings) -> list[str]:
    """Why the audit keys cannot be used; empty when they can. The strength of the current
    key is checked like the signing key's (in production only, by the caller)."""
    if not settings.audit_key:
        return ["EMR_AUDIT_KEY is not set"]
    problems = [
        f"audit key id {key_id!r} must be 1-32 letters, digits, '.', '_' or '-'"
        for key_id in settings.audit_keys
        if not AUDIT_KEY_ID.fullmatch(key_id)
    ]
    if LEGACY_AUDIT_KEY_ID in settings.audit_keys:
        problems.append(f"audit key id {LEGACY_AUDIT_KEY_ID!r} is reserved for unkeyed events")
    if not 1 <= settings.audit_chains <= MAX_AUDIT_CHAINS:
        problems.append(f"EMR_AUDIT_CHAINS must be between 1 and {MAX_AUDIT_CHAINS}")
    return problems


@lru_cache
def get_settings() -> Settings:
    audit_keys, audit_key_id = _audit_keys()
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
        audit_keys=audit_keys,
        audit_key_id=audit_key_id,
        audit_chains=_int("EMR_AUDIT_CHAINS", 16),
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
