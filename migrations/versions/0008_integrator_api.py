"""Integrator API: soft deletion of vendors, clients and assessments; API rate-limit counters.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.db import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOFT_DELETED = ("vendors", "clients", "assessments")


def upgrade() -> None:
    for table in SOFT_DELETED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("deleted_at", UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "api_rate_counters",
        sa.Column("bucket", sa.String(length=60), nullable=False),
        sa.Column("window_start", UTCDateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "window_start", name=op.f("pk_api_rate_counters")),
    )
    op.create_index(
        "ix_api_rate_counters_window", "api_rate_counters", ["window_start"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_api_rate_counters_window", table_name="api_rate_counters")
    op.drop_table("api_rate_counters")
    for table in SOFT_DELETED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("deleted_at")
