"""repeat links: the next inspection's findings continue earlier actions (docs/next-inspection.md)

``action.repeat_of_id`` names the earlier action a repeat finding continues (its owner carried
over, the earlier one superseded unless closed). ``repeat_suggestion`` keeps the matches the
matcher was not sure of, for a person to confirm or dismiss; decided ones stay, with who and when.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import actions.domain.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repeat_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_action_repeat_of", "action", ["repeat_of_id"], ["id"])
        batch_op.create_index("ix_action_repeat_of_id", ["repeat_of_id"], unique=False)
    op.create_table(
        "repeat_suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("earlier_id", sa.Integer(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("decided_at", actions.domain.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", actions.domain.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'confirmed', 'dismissed')", name="ck_repeat_suggestion_state"
        ),
        sa.ForeignKeyConstraint(["action_id"], ["action.id"]),
        sa.ForeignKeyConstraint(["earlier_id"], ["action.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("action_id", "earlier_id", name="uq_repeat_suggestion_pair"),
    )
    op.create_index("ix_repeat_suggestion_state", "repeat_suggestion", ["state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_repeat_suggestion_state", table_name="repeat_suggestion")
    op.drop_table("repeat_suggestion")
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index("ix_action_repeat_of_id")
        batch_op.drop_constraint("fk_action_repeat_of", type_="foreignkey")
        batch_op.drop_column("repeat_of_id")
