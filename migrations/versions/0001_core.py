"""Core tables: organisations, API keys, questionnaire versions, vendors, clients, assessments.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from service.db import JSONDocument, OrderedJSON, UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def _id() -> sa.Column[uuid.UUID]:
    return sa.Column("id", sa.Uuid(), nullable=False)


def _timestamps() -> list[sa.Column[datetime]]:
    return [
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    ]


def _organisation_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organisation_id"],
        ["organisations.id"],
        name=op.f(f"fk_{table}_organisation_id_organisations"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        _id(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    op.create_table(
        "questionnaire_versions",
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("content_hash", sa.String(length=80), nullable=False),
        sa.Column("definition", OrderedJSON, nullable=False),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=False),
        _id(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_versions")),
        sa.UniqueConstraint(
            "slug", "version", name=op.f("uq_questionnaire_versions_slug_version")
        ),
    )
    op.create_table(
        "api_keys",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "role", _enum("role", "admin", "procurement", "account_lead", "integration"),
            nullable=False,
        ),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        _id(),
        _organisation_fk("api_keys"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_keys_token_hash")),
    )
    op.create_index(op.f("ix_api_keys_organisation_id"), "api_keys", ["organisation_id"])
    op.create_table(
        "clients",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("environment", JSONDocument, nullable=False),
        sa.Column("environment_questionnaire_id", sa.Uuid(), nullable=False),
        _id(),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["environment_questionnaire_id"],
            ["questionnaire_versions.id"],
            name=op.f("fk_clients_environment_questionnaire_id_questionnaire_versions"),
        ),
        _organisation_fk("clients"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
        sa.UniqueConstraint(
            "organisation_id", "external_id", name=op.f("uq_clients_organisation_id_external_id")
        ),
    )
    op.create_index("ix_clients_sync", "clients", ["organisation_id", "updated_at", "id"])
    op.create_table(
        "vendors",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        _id(),
        *_timestamps(),
        _organisation_fk("vendors"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendors")),
        sa.UniqueConstraint(
            "organisation_id", "external_id", name=op.f("uq_vendors_organisation_id_external_id")
        ),
    )
    op.create_index("ix_vendors_sync", "vendors", ["organisation_id", "updated_at", "id"])
    op.create_table(
        "assessments",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("vendor_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("questionnaire_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column(
            "status", _enum("assessmentstatus", "draft", "submitted", "scored"), nullable=False
        ),
        sa.Column("answers", JSONDocument, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(timezone=True), nullable=True),
        _id(),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_assessments_client_id_clients")
        ),
        _organisation_fk("assessments"),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaire_versions.id"],
            name=op.f("fk_assessments_questionnaire_id_questionnaire_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendors.id"], name=op.f("fk_assessments_vendor_id_vendors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint(
            "organisation_id",
            "external_id",
            name=op.f("uq_assessments_organisation_id_external_id"),
        ),
    )
    op.create_index(op.f("ix_assessments_client_id"), "assessments", ["client_id"])
    op.create_index(op.f("ix_assessments_vendor_id"), "assessments", ["vendor_id"])
    op.create_index(
        "ix_assessments_sync", "assessments", ["organisation_id", "updated_at", "id"]
    )
    op.create_table(
        "assessment_history",
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column(
            "kind", _enum("historykind", "created", "answer", "submitted", "reopened"),
            nullable=False,
        ),
        sa.Column("question_id", sa.String(length=100), nullable=True),
        sa.Column("old_value", JSONDocument, nullable=True),
        sa.Column("new_value", JSONDocument, nullable=True),
        sa.Column(
            "actor_type", _enum("actortype", "api_key", "user", "invitation", "system"),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=300), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        _id(),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_assessment_history_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_history")),
    )
    op.create_index(
        "ix_assessment_history_timeline", "assessment_history", ["assessment_id", "created_at"]
    )


def downgrade() -> None:
    for table in (
        "assessment_history",
        "assessments",
        "vendors",
        "clients",
        "api_keys",
        "questionnaire_versions",
        "organisations",
    ):
        op.drop_table(table)
