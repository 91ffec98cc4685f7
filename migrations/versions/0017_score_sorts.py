"""The dashboard sorts by score: the latest score's technical currency and integration risk
copied onto the assessment row, with an index each.

Ordering by a column of the joined score record means sorting every listed assessment
(430 ms at 100,000); with the two scores on the assessment, a page sorted by either is one
range of a partial index, like the other sorts (0016). The copies are written with
`latest_score_id` (`score_service.record_score`, re-scoring's bulk update), and backfilled
here from each assessment's latest score.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTED = "superseded_by_id IS NULL AND deleted_at IS NULL"
COPIES = (
    ("latest_technical_currency", "technical_currency", "ix_assessments_listed_currency"),
    ("latest_integration_risk", "integration_risk", "ix_assessments_listed_risk"),
)


def upgrade() -> None:
    for column, _, _ in COPIES:
        op.add_column("assessments", sa.Column(column, sa.Integer(), nullable=True))
    for column, source, _ in COPIES:
        op.execute(
            f"UPDATE assessments SET {column} = (SELECT {source} FROM scores "
            "WHERE scores.id = assessments.latest_score_id) WHERE latest_score_id IS NOT NULL"
        )
    for column, _, index in COPIES:
        op.create_index(
            index,
            "assessments",
            ["organisation_id", column, "id"],
            sqlite_where=sa.text(LISTED),
            postgresql_where=sa.text(LISTED),
        )


def downgrade() -> None:
    for column, _, index in reversed(COPIES):
        op.drop_index(index, table_name="assessments")
        with op.batch_alter_table("assessments") as batch:
            batch.drop_column(column)
