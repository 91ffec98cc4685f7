"""Password hashing with argon2id (RFC 9106 parameters, from argon2-cffi). Pure: no I/O."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 256

HASHER = PasswordHasher()
"""argon2id, 64 MiB, 3 passes (argon2-cffi's defaults). Tests swap in a cheaper one."""


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return HASHER.check_needs_rehash(password_hash)


def burn_time(password: str) -> None:
    """Verify against a throwaway hash, so an unknown e-mail takes as long as a wrong password."""
    verify_password(_throwaway_hash(HASHER.memory_cost, HASHER.time_cost), password)


@cache
def _throwaway_hash(memory_cost: int, time_cost: int) -> str:
    return HASHER.hash("not a password anyone has")


def weakness(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters long"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters long"
    if not password.strip():
        return "cannot be only spaces"
    return None
