"""Users tests hash with argon2's cheapest parameters, except test_passwords.py."""

from __future__ import annotations

import pytest

from service.users import passwords
from tests import builders


@pytest.fixture(autouse=True)
def cheap_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.path.name != "test_passwords.py":
        monkeypatch.setattr(passwords, "HASHER", builders.CHEAP_HASHER)
