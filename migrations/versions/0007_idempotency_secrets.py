"""Idempotency: stored responses that carry a secret are purged (they are no longer stored).

Webhook creation and secret rotation returned the signing secret, and a replay handed it to
any caller of the organisation holding the key. Those routes are no longer idempotent; the
responses already stored (API keys too, in case any predate that rule) are deleted.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    keys = sa.table("idempotency_keys", sa.column("method", sa.String), sa.column("path", sa.String))
    op.execute(
        keys.delete().where(
            keys.c.method == "POST",
            sa.or_(
                keys.c.path.in_(["/api/v1/webhooks", "/api/v1/api-keys"]),
                sa.and_(
                    keys.c.path.like("/api/v1/webhooks/%"),
                    keys.c.path.like("%/rotate-secret"),
                ),
            ),
        )
    )


def downgrade() -> None:
    pass  # deleted secrets stay deleted; the schema did not change
