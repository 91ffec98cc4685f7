"""The `stackvet` console-script entry point; the commands are in `service.commands`.

This module stays free of imports on purpose. Report render workers are spawned processes, and
a spawned process re-runs its parent's main script: for `stackvet serve` and `stackvet worker`
that is the console script, which imports this module. Importing the command tree here (the
app, SQLAlchemy, Alembic, uvicorn) would cost every render worker some 45 MB it never uses.
"""

from __future__ import annotations


def main() -> None:
    """Run the `stackvet` command."""
    from service.commands import main as commands  # noqa: PLC0415 - kept lazy, see above

    commands()
