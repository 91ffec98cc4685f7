"""API key tokens: random, shown once, stored only as a SHA-256 hash. Pure: no I/O."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

TOKEN_PREFIX = "svk_"  # noqa: S105 - a public marker, not a secret
_PUBLIC_PART = 8


@dataclass(frozen=True)
class NewToken:
    token: str
    prefix: str
    token_hash: str


def new_token() -> NewToken:
    """`svk_<8 hex>_<43 url-safe chars>`; the first part is shown in listings to recognise a key."""
    public = secrets.token_hex(_PUBLIC_PART // 2)
    token = f"{TOKEN_PREFIX}{public}_{secrets.token_urlsafe(32)}"
    return NewToken(token=token, prefix=f"{TOKEN_PREFIX}{public}", token_hash=hash_token(token))


def hash_token(token: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast hash is safe and keeps lookups cheap.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
