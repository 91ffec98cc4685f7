"""Form states: a refused web form kept for the page it redirects to (post/redirect/get).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import service.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    json_type = sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )
    op.create_table(
        "form_states",
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("payload", json_type, nullable=False),
        sa.Column("expires_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_states")),
        sa.UniqueConstraint("owner", "path", name=op.f("uq_form_states_owner_path")),
    )
    with op.batch_alter_table("form_states") as batch:
        batch.create_index(batch.f("ix_form_states_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("form_states") as batch:
        batch.drop_index(batch.f("ix_form_states_expires_at"))
    op.drop_table("form_states")
