"""delivery fencing: message.claim_token

A deliverer whose lease ran out (a stalled process, a slow send) could still send a message
that another deliverer had claimed meanwhile, and record its outcome over the new holder's.
Every claim now writes a fresh token; the statement that arms a message just before it is sent
and the ones that record its outcome match that token, so only the latest claim can do either.
Rows claimed before this migration have no token: they wait for their lease like any other.

Revision ID: 0005_delivery_fencing
Revises: 0004
Create Date: 2026-12-01 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0005_delivery_fencing"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column without a default: a catalogue change, no table rewrite (both databases).
    op.add_column(
        "message",
        sa.Column("claim_token", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("message", "claim_token")  # SQLite: 3.35 or later (2021)
