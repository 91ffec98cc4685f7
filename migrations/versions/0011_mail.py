"""E-mail: the mail outbox, due dates, password links, deactivated users, invitation details.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-05
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from service.db import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, *, nullable: bool = False) -> sa.Column[UTCDateTime]:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


def _enum(*values: str) -> sa.Enum:
    return sa.Enum(*values, native_enum=False, length=32)


def upgrade() -> None:
    op.create_table(
        "mail_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("status", _enum("pending", "sent", "failed"), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _at("next_attempt_at"),
        _at("lease_until", nullable=True),
        sa.Column("lease_token", sa.Uuid(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        _at("created_at"),
        _at("sent_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_mail_messages_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_messages")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_mail_messages_dedupe_key")),
    )
    op.create_index(
        "ix_mail_messages_due", "mail_messages", ["status", "next_attempt_at"], unique=False
    )
    op.create_index(
        op.f("ix_mail_messages_organisation_id"), "mail_messages", ["organisation_id"]
    )
    op.create_table(
        "password_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", _enum("invitation", "reset"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        _at("created_at"),
        _at("expires_at"),
        _at("used_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_password_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_tokens_token_hash")),
    )
    op.create_index(op.f("ix_password_tokens_user_id"), "password_tokens", ["user_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(_at("deactivated_at", nullable=True))
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("due_on", sa.Date(), nullable=True))
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch.add_column(_at("superseded_at", nullable=True))
        batch.add_column(_at("sent_at", nullable=True))
        batch.add_column(sa.Column("submitted_answers", _json(), nullable=True))
        batch.add_column(sa.Column("agency_contact", sa.String(length=320), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invitations") as batch:
        for column in ("agency_contact", "submitted_answers", "sent_at", "superseded_at", "due_on"):
            batch.drop_column(column)
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("due_on")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("deactivated_at")
    op.drop_index(op.f("ix_password_tokens_user_id"), table_name="password_tokens")
    op.drop_table("password_tokens")
    op.drop_index(op.f("ix_mail_messages_organisation_id"), table_name="mail_messages")
    op.drop_index("ix_mail_messages_due", table_name="mail_messages")
    op.drop_table("mail_messages")
