"""List pages at 100,000 assessments: stored progress counts and the indexes the filters use.

- `assessments.progress_*`: the counts a list row shows (answered, unknown, visible, required
  and missing), kept up to date on every write of the answers or the questionnaire, so a list
  page neither loads nor decodes each row's answers. Backfilled here from the answers.
- `ix_assessments_status`: the status filter in list order (updated_at, id).
- `ix_assessments_external_id`: the CRM id filter with `all_versions` (the unique index on it
  covers current versions only).
- Trigram GIN indexes (PostgreSQL, extension pg_trgm) on the assessment's title and the
  vendor's and client's names, so `q` (ILIKE '%term%') is an index search. On SQLite they are
  plain indexes on the same columns (LIKE there is a scan, which is fine at its sizes).
  `fastupdate` is off: with it on, new entries wait in a pending list that every search reads
  row by row until (auto)vacuum merges it, and whose size makes the planner fall back to a
  sequential scan (ILIKE costs about 3 us a row: 16 ms over 5,000 vendor names).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from service.questionnaires.answers import progress
from service.questionnaires.schema import Questionnaire

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ("answered", "unknown", "visible", "required_missing")
TRIGRAM = (
    ("ix_assessments_title_trgm", "assessments", "title"),
    ("ix_vendors_name_trgm", "vendors", "name"),
    ("ix_clients_name_trgm", "clients", "name"),
)
BATCH = 1000


def upgrade() -> None:
    trigram_ops = _trigram_ops(op.get_bind())
    with op.batch_alter_table("assessments") as batch:
        for count in COUNTS:
            batch.add_column(
                sa.Column(f"progress_{count}", sa.Integer(), server_default="0", nullable=False)
            )
        batch.create_index(
            "ix_assessments_status", ["organisation_id", "status", "updated_at", "id"]
        )
        batch.create_index("ix_assessments_external_id", ["organisation_id", "external_id"])
    for name, table, column in TRIGRAM:
        op.create_index(
            name,
            table,
            [column],
            postgresql_using="gin",
            postgresql_ops={column: trigram_ops},
            postgresql_with={"fastupdate": "off"},
        )
    _backfill_progress(op.get_bind())


def _trigram_ops(connection: sa.Connection) -> str:
    """pg_trgm's operator class, named with the schema the extension lives in (it may be
    another schema than this database's search path, if it was installed before)."""
    if connection.dialect.name != "postgresql":
        return "gin_trgm_ops"  # unused: SQLite's index is a plain one
    public = connection.exec_driver_sql("SELECT 1 FROM pg_namespace WHERE nspname = 'public'")
    # In `public` where there is one, so that dropping this schema never drops the extension
    # (and with it every trigram index of the database's other schemas).
    where = " SCHEMA public" if public.first() else ""
    connection.exec_driver_sql(f"CREATE EXTENSION IF NOT EXISTS pg_trgm{where}")
    schema = connection.exec_driver_sql(
        "SELECT quote_ident(nspname) FROM pg_extension JOIN pg_namespace n "
        "ON n.oid = extnamespace WHERE extname = 'pg_trgm'"
    ).scalar_one()
    return f"{schema}.gin_trgm_ops"


def downgrade() -> None:
    # pg_trgm stays installed: other schemas of the database may use it.
    for name, table, _column in TRIGRAM:
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("assessments") as batch:
        batch.drop_index("ix_assessments_external_id")
        batch.drop_index("ix_assessments_status")
        for count in COUNTS:
            batch.drop_column(f"progress_{count}")


_ASSESSMENTS = sa.table(
    "assessments",
    sa.column("id", sa.Uuid()),
    sa.column("questionnaire_id", sa.Uuid()),
    sa.column("answers", sa.JSON()),
    *(sa.column(f"progress_{count}", sa.Integer()) for count in COUNTS),
)
_VERSIONS = sa.table(
    "questionnaire_versions", sa.column("id", sa.Uuid()), sa.column("definition", sa.JSON())
)


def _backfill_progress(connection: sa.Connection) -> None:
    """Each assessment's counts from its answers and its pinned questionnaire."""
    pinned = sa.select(_ASSESSMENTS.c.questionnaire_id).distinct()
    definitions = {
        row.id: Questionnaire.model_validate(row.definition)
        for row in connection.execute(
            sa.select(_VERSIONS.c.id, _VERSIONS.c.definition).where(_VERSIONS.c.id.in_(pinned))
        )
    }
    a = _ASSESSMENTS.c
    update = (
        sa.update(_ASSESSMENTS)
        .where(a.id == sa.bindparam("row_id"))
        .values({f"progress_{c}": sa.bindparam(c) for c in COUNTS})
    )
    for rows in _batches(connection):
        values = []
        for row in rows:
            counts = progress(definitions[row.questionnaire_id], row.answers or {})
            values.append({"row_id": row.id} | {c: getattr(counts, c) for c in COUNTS})
        connection.execute(update, values)


def _batches(connection: sa.Connection) -> Iterator[Sequence[Any]]:
    """Every assessment's (id, questionnaire_id, answers), a page at a time in id order."""
    a = _ASSESSMENTS.c
    query = sa.select(a.id, a.questionnaire_id, a.answers).order_by(a.id).limit(BATCH)
    rows = connection.execute(query).all()
    while rows:
        yield rows
        rows = connection.execute(query.where(a.id > rows[-1].id)).all()
