"""The checkout the tests run in: for tests about the repository's own files (Dockerfile, data
folders), never for what the service finds at run time (that ships inside the package)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
