"""Pure rules of identity: password strength, TOTP (RFC 6238), token hashing, backoff,
the signing key a production server accepts, whose failures count together, and the
purpose a read is audited with."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import struct
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import quote, urlencode

from shared.enums import CLINICAL_ROLES, Role

MIN_PASSWORD_LENGTH = 12
_COMMON = {
    "password1234",
    "passwordpassword",
    "123456789012",
    "qwertyuiopas",
    "letmeinletmein",
    "welcome12345",
    "iloveyou1234",
    "administrator",
    "changemechangeme",
}

TOTP_STEP_SECONDS = 30
TOTP_DIGITS = 6
RECOVERY_CODE_COUNT = 10


def password_problems(password: str, username: str) -> list[str]:
    """Reasons ``password`` is too weak; empty when it is acceptable.

    Length over composition (NIST SP 800-63B): at least 12 characters, not built on the
    username, not a well-known password, and at least three kinds of character.
    """
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"must be at least {MIN_PASSWORD_LENGTH} characters")
    lowered = password.lower()
    if username and username.lower() in lowered:
        problems.append("must not contain the username")
    if lowered in _COMMON:
        problems.append("is a commonly used password")
    kinds = sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if kinds < 3:
        problems.append("must mix at least three of: lower case, upper case, digits, symbols")
    return problems


def token_hash(token: str) -> str:
    """Refresh tokens and recovery codes are stored only as SHA-256 digests."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_totp_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def totp(
    secret: str, at: float, *, step: int = TOTP_STEP_SECONDS, digits: int = TOTP_DIGITS
) -> str:
    """The RFC 6238 code (HMAC-SHA1) for the time step containing unix time ``at``."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    counter = struct.pack(">Q", int(at // step))
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return str(code).zfill(digits)


def totp_matches(secret: str, code: str, at: float, *, window: int = 1) -> int | None:
    """The matching time step (to refuse replays), allowing ``window`` steps of clock drift."""
    code = code.strip().replace(" ", "")
    if not (code.isascii() and code.isdigit()):
        return None  # compare_digest refuses non-ASCII text; no such code can match anyway
    for drift in range(-window, window + 1):
        moment = at + drift * TOTP_STEP_SECONDS
        if hmac.compare_digest(totp(secret, moment), code):
            return int(moment // TOTP_STEP_SECONDS)
    return None


def otpauth_uri(secret: str, username: str, issuer: str) -> str:
    query = urlencode({"secret": secret, "issuer": issuer, "digits": TOTP_DIGITS, "period": 30})
    return f"otpauth://totp/{quote(issuer)}:{quote(username)}?{query}"


def recovery_codes() -> list[str]:
    return [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]


FREE_FAILURES = 4
LOCKOUT_FAILURES = 10
LOCKOUT = timedelta(minutes=15)


def lock_after_failure(failures: int) -> timedelta | None:
    """How long to refuse logins after the ``failures``-th consecutive failure.

    Four free tries, then exponential backoff (2 s, 4 s, … 32 s), then a 15-minute
    lockout from the tenth failure on.
    """
    if failures <= FREE_FAILURES:
        return None
    if failures >= LOCKOUT_FAILURES:
        return LOCKOUT
    return timedelta(seconds=2 ** (failures - FREE_FAILURES))


MIN_SIGNING_KEY_LENGTH = 32
MIN_SIGNING_KEY_SYMBOLS = 12
# Placeholders people paste from examples; a key containing one is not secret.
_PLACEHOLDERS = ("change", "example", "placeholder", "secret", "default", "password")


def signing_key_problems(key: str) -> list[str]:
    """Why ``key`` must not sign a production server's tokens; empty when it may.

    A random key (``secrets.token_urlsafe(48)``) has about 60 distinct symbols; repeated
    characters or a copied placeholder are guessable whatever their length.
    """
    if not key:
        return ["is not set"]
    problems = []
    if len(key) < MIN_SIGNING_KEY_LENGTH:
        problems.append(f"must be at least {MIN_SIGNING_KEY_LENGTH} characters")
    if len(set(key)) < MIN_SIGNING_KEY_SYMBOLS:
        problems.append(f"must use at least {MIN_SIGNING_KEY_SYMBOLS} different characters")
    lowered = key.lower()
    if any(word in lowered for word in _PLACEHOLDERS):
        problems.append("looks like a placeholder, not a random value")
    return problems


def address_key(ip: str | None) -> str:
    """The bucket a client address's failed sign-ins count in. An IPv6 client usually holds
    a whole /64, so it counts as one address."""
    if not ip:
        return "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def read_purpose(roles: Iterable[Role]) -> str:
    """Why a read happens, as the audit trail names it (HIPAA's treatment, payment and
    health-care operations): clinical staff read to treat, billers to be paid, everyone
    else (front desk, admins, auditors) to run the clinic."""
    held = set(roles)
    if held & CLINICAL_ROLES:
        return "treatment"
    if Role.BILLER in held:
        return "payment"
    return "operations"
