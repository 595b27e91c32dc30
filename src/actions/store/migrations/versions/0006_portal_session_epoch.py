"""portal: a per-person session epoch, so signing out ends every session of that person

A portal session is a signed cookie; before this, signing out only deleted the cookie in one
browser and a copy of it stayed valid for its 12 hours. The cookie now carries the person's
``session_epoch`` and signing out adds one to it: every cookie issued before is refused.

Revision ID: 0006_portal_session_epoch
Revises: 0005_delivery_fencing
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_portal_session_epoch"
down_revision: str | None = "0005_delivery_fencing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "person",
        sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place (no table copy, the foreign keys to person stay).
    op.drop_column("person", "session_epoch")
