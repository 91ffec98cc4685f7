"""Integrator API: soft deletion of vendors, clients and assessments.

Revision ID: 0008
Revises: 0006 (to be re-chained after 0007 at merge)
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.db import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOFT_DELETED = ("vendors", "clients", "assessments")


def upgrade() -> None:
    for table in SOFT_DELETED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("deleted_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for table in SOFT_DELETED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("deleted_at")
