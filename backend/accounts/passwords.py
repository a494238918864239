"""Password hashing with argon2id (memory-hard), and the strength check as a 422."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from backend.accounts.rules import password_problems
from backend.lib.problems import Problem

_hasher = PasswordHasher()  # argon2id, 64 MiB, 3 passes (RFC 9106 second recommendation)
# Verified when the username is unknown, so both paths cost the same time.
DUMMY_HASH = _hasher.hash("not a real password, only for constant timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def require_strong(password: str, username: str, field: str = "password") -> None:
    problems = password_problems(password, username)
    if problems:
        message = "Password " + "; ".join(problems) + "."
        raise Problem(422, message, errors=[{"field": field, "message": message}])
