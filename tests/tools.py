"""A program a test needs that is not installed: a failure where it is required, else a skip.

`.ci/run` installs Chromium, npm, docker-compose and LibreOffice Calc, names its PostgreSQL,
and sets the matching STACKVET_REQUIRE_* variables, so in CI a missing one fails the run; on a
developer's machine the test skips and says what to install. (kubectl is not required:
Debian's is too old to read the kustomization.)"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def unavailable(message: str, flag: str, what: str, *, required: bool | None = None) -> NoReturn:
    """Stop the test: `message` says what is missing; `flag` is the variable that makes it
    required (`required`, when given, decides instead); `what` names what must then run."""
    if bool(os.environ.get(flag)) if required is None else required:
        pytest.fail(f"{message}, and {flag} is set: {what} must run.")
    pytest.skip(f"{message}; set {flag}=1 to make this a failure.")
