"""The data the service runs on, shipped inside the package and found through importlib.resources.

The data folders keep their place at the top of the repository (`questionnaires/`, `reports/`,
`migrations/`); the three entries here are symbolic links to them. An editable install (the
checkout) follows the links; building the wheel copies the files they lead to into
`service/resources/`, as package data (see `[tool.setuptools.package-data]` in pyproject.toml).
Either way the service finds its data next to its code, never through the working directory.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _folder(name: str) -> Path:
    # Installed wheels and the checkout are plain directories on disk, and Jinja2, WeasyPrint
    # and Alembic all need real paths, not importlib's Traversable.
    return Path(str(files(__name__).joinpath(name)))


def definitions_dir() -> Path:
    """Questionnaire definitions, rule packs, their test cases, the knowledge base, examples."""
    return _folder("questionnaires")


def reports_dir() -> Path:
    """Report templates, stylesheet and fonts."""
    return _folder("reports")


def migrations_dir() -> Path:
    """The Alembic environment, its versions and its configuration (alembic.ini)."""
    return _folder("migrations")
