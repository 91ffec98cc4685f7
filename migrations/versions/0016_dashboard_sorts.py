"""Dashboard sorts and counts: indexes for keyset pages by title, status and due date, a
covering index for the counts, and clients and vendors by name (service/assessments/
sort_indexes.py says which query reads which).

Revision ID: 0016
Revises: 0014 (0015 once merged: the lead re-chains this revision after it)
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTED = "superseded_by_id IS NULL AND deleted_at IS NULL"
NOT_DELETED = "deleted_at IS NULL"
INDEXES = (
    ("ix_assessments_listed_title", "assessments", ["organisation_id", "title", "id"], LISTED),
    ("ix_assessments_listed_status", "assessments", ["organisation_id", "status", "id"], LISTED),
    ("ix_assessments_listed_due", "assessments", ["organisation_id", "due_on", "id"], LISTED),
    (
        "ix_assessments_listed_counts",
        "assessments",
        ["organisation_id", "status", "due_on", "latest_score_id"],
        LISTED,
    ),
    ("ix_vendors_name", "vendors", ["organisation_id", "name", "id"], NOT_DELETED),
    ("ix_clients_name", "clients", ["organisation_id", "name", "id"], NOT_DELETED),
)


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        op.create_index(
            name,
            table,
            columns,
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )


def downgrade() -> None:
    for name, table, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table_name=table)
