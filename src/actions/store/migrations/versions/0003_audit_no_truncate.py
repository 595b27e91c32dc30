"""audit: refuse TRUNCATE too (PostgreSQL)

The row triggers of 0001 refuse UPDATE and DELETE on the append-only audit table, but
``TRUNCATE audit`` fires no row trigger and emptied the trail. A statement-level ``BEFORE
TRUNCATE`` trigger refuses it with the same message. SQLite has no TRUNCATE (its
``DELETE FROM audit`` is already refused row by row), so nothing changes there.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 04:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    # audit_append_only() (0001) raises "audit records are append-only" whatever fired it.
    op.execute(
        "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_no_truncate ON audit")
