"""Review workflow: review states, versions, approval conditions, clarification threads.

Assessments scored before the workflow existed were final verdicts: they become `approved`
(approved at their submission time, by nobody in particular). Every existing assessment is
version 1 of its own series. The CRM id stays unique among current versions only, so an
earlier version keeps the id it was published under.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.db import JSONDocument, UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CURRENT = sa.text("superseded_by_id IS NULL")
_ACTOR = ("api_key", "user", "invitation", "system")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("series_id", sa.Uuid(), nullable=True))
        batch.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
        batch.add_column(sa.Column("superseded_by_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("approved_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("approved_by", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("conditions", JSONDocument, nullable=True))
        batch.add_column(sa.Column("published_report_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_assessments_superseded_by_id_assessments"),
            "assessments",
            ["superseded_by_id"],
            ["id"],
        )
        batch.create_foreign_key(
            op.f("fk_assessments_published_report_id_rendered_reports"),
            "rendered_reports",
            ["published_report_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.drop_constraint("uq_assessments_organisation_id_external_id", type_="unique")
    op.execute("UPDATE assessments SET series_id = id, conditions = '[]'")
    op.execute(
        "UPDATE assessments SET status = 'approved', approved_at = submitted_at "
        "WHERE status = 'scored'"
    )
    with op.batch_alter_table("assessments") as batch:
        batch.alter_column("series_id", existing_type=sa.Uuid(), nullable=False)
        batch.alter_column("conditions", existing_type=JSONDocument, nullable=False)
        batch.alter_column("version", existing_type=sa.Integer(), server_default=None)
    op.create_index(op.f("ix_assessments_series_id"), "assessments", ["series_id"])
    op.create_index(
        "uq_assessments_current_external_id",
        "assessments",
        ["organisation_id", "external_id"],
        unique=True,
        sqlite_where=_CURRENT,
        postgresql_where=_CURRENT,
    )
    with op.batch_alter_table("assessment_history") as batch:
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))
    _create_clarifications()


def _create_clarifications() -> None:
    op.create_table(
        "clarifications",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("question_id", sa.String(length=100), nullable=False),
        sa.Column(
            "state", _enum("clarificationstate", "open", "answered", "resolved"), nullable=False
        ),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=300), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_clarifications_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_clarifications_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clarifications")),
        sa.UniqueConstraint(
            "assessment_id", "question_id", name=op.f("uq_clarifications_assessment_id_question_id")
        ),
    )
    op.create_index(
        op.f("ix_clarifications_organisation_id"), "clarifications", ["organisation_id"]
    )
    op.create_table(
        "clarification_messages",
        sa.Column("clarification_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind", _enum("messagekind", "request", "reply", "resolution"), nullable=False
        ),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("answer_changed", sa.Boolean(), nullable=False),
        sa.Column("old_answer", JSONDocument, nullable=True),
        sa.Column("new_answer", JSONDocument, nullable=True),
        sa.Column("actor_type", _enum("actortype", *_ACTOR), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=300), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clarification_id"],
            ["clarifications.id"],
            name=op.f("fk_clarification_messages_clarification_id_clarifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clarification_messages")),
    )
    op.create_index(
        op.f("ix_clarification_messages_clarification_id"),
        "clarification_messages",
        ["clarification_id"],
    )


def downgrade() -> None:
    op.drop_table("clarification_messages")
    op.drop_table("clarifications")
    with op.batch_alter_table("assessment_history") as batch:
        batch.drop_column("reason")
    op.drop_index("uq_assessments_current_external_id", table_name="assessments")
    op.drop_index(op.f("ix_assessments_series_id"), table_name="assessments")
    # Later versions cannot keep their own rows under the old constraint: only first versions
    # survive a downgrade, with the states the old code knows.
    op.execute("UPDATE assessments SET superseded_by_id = NULL")
    op.execute("DELETE FROM assessments WHERE version > 1")
    op.execute(
        "UPDATE assessments SET status = 'scored' "
        "WHERE status IN ('approved', 'in_review', 'changes_requested')"
    )
    with op.batch_alter_table("assessments") as batch:
        batch.drop_constraint(
            op.f("fk_assessments_published_report_id_rendered_reports"), type_="foreignkey"
        )
        batch.drop_constraint(
            op.f("fk_assessments_superseded_by_id_assessments"), type_="foreignkey"
        )
        for column in (
            "published_report_id",
            "conditions",
            "approved_by",
            "approved_at",
            "superseded_by_id",
            "version",
            "series_id",
        ):
            batch.drop_column(column)
        batch.create_unique_constraint(
            op.f("uq_assessments_organisation_id_external_id"), ["organisation_id", "external_id"]
        )
