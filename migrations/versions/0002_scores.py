"""Scores: append-only score records, published rule packs and knowledge-base snapshots.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.db import JSONDocument, OrderedJSON, UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "knowledge_snapshots",
        sa.Column("as_of", sa.String(length=20), nullable=False),
        sa.Column("content_hash", sa.String(length=80), nullable=False),
        sa.Column("content", OrderedJSON, nullable=False),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_snapshots")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_knowledge_snapshots_content_hash")),
    )
    op.create_table(
        "rule_pack_versions",
        sa.Column("questionnaire", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("content_hash", sa.String(length=80), nullable=False),
        sa.Column("definition", OrderedJSON, nullable=False),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_pack_versions")),
        sa.UniqueConstraint(
            "questionnaire", "version", name=op.f("uq_rule_pack_versions_questionnaire_version")
        ),
    )
    op.create_table(
        "scores",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column(
            "trigger",
            sa.Enum("submitted", "rescored", name="scoretrigger", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("technical_currency", sa.Integer(), nullable=False),
        sa.Column("currency_band", sa.String(length=20), nullable=False),
        sa.Column("integration_risk", sa.Integer(), nullable=False),
        sa.Column("risk_band", sa.String(length=20), nullable=False),
        sa.Column("recommendation", sa.String(length=20), nullable=False),
        sa.Column("completeness", sa.Double(), nullable=False),
        sa.Column("result", JSONDocument, nullable=False),
        sa.Column("questionnaire_id", sa.Uuid(), nullable=False),
        sa.Column("environment_questionnaire_id", sa.Uuid(), nullable=False),
        sa.Column("rule_pack_id", sa.Uuid(), nullable=False),
        sa.Column("knowledge_id", sa.Uuid(), nullable=False),
        sa.Column("engine_version", sa.String(length=20), nullable=False),
        sa.Column("answers", JSONDocument, nullable=False),
        sa.Column("client_environment", JSONDocument, nullable=False),
        sa.Column("inputs_hash", sa.String(length=80), nullable=False),
        sa.Column("computed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        _fk("scores", "assessment_id", "assessments", ondelete="CASCADE"),
        _fk("scores", "environment_questionnaire_id", "questionnaire_versions"),
        _fk("scores", "knowledge_id", "knowledge_snapshots"),
        _fk("scores", "organisation_id", "organisations", ondelete="CASCADE"),
        _fk("scores", "questionnaire_id", "questionnaire_versions"),
        _fk("scores", "rule_pack_id", "rule_pack_versions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scores")),
        sa.UniqueConstraint(
            "assessment_id", "sequence", name=op.f("uq_scores_assessment_id_sequence")
        ),
    )
    op.create_index("ix_scores_organisation_id", "scores", ["organisation_id"])
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("latest_score_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_assessments_latest_score_id_scores"), "scores", ["latest_score_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.drop_constraint(op.f("fk_assessments_latest_score_id_scores"), type_="foreignkey")
        batch.drop_column("latest_score_id")
    op.drop_table("scores")
    op.drop_table("rule_pack_versions")
    op.drop_table("knowledge_snapshots")
