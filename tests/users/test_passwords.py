"""Password hashing: argon2id with its standard parameters, and the rules for new passwords."""

from __future__ import annotations

import pytest

from service.users import passwords


def test_hashes_are_argon2id_and_verify() -> None:
    hashed = passwords.hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify_password(hashed, "correct horse battery staple")
    assert not passwords.verify_password(hashed, "correct horse battery stapler")
    assert not passwords.verify_password("not a hash", "anything")
    assert not passwords.needs_rehash(hashed)
    assert hashed != passwords.hash_password("correct horse battery staple"), "salted"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "must be at least 12 characters long"),
        (" " * 12, "cannot be only spaces"),
        ("x" * 257, "must be at most 256 characters long"),
        ("twelve chars", None),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password: str, reason: str | None) -> None:
    assert passwords.weakness(password) == reason
