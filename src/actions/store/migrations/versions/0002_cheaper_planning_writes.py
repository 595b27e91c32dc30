"""cheaper planning writes: message_item keyed by its dedupe key, room for HOT updates on action

The dedupe ledger gains one row per reminder or escalation: 140,000 rows in one planning run
at 100,000 actions. Each row paid for a surrogate id, two secondary indexes nothing queries and
two foreign-key checks against rows the same transaction has just read or written (actions and
messages are never deleted): 1.6 of 1.7 s to write them on PostgreSQL, a fifth of the whole
plan. The key is the row's identity, so it becomes the primary key and the only index.

On PostgreSQL, ``action`` pages keep 30 % free: an escalation run updates a third of all open
actions at once, and an update that finds room on its page skips all six indexes (a "HOT"
update): 33,000 level changes took 0.82 s, 0.14 s with the room. Actions are updated all the
time (progress, status, levels), so every writer gains; the table is ~40 % larger. Pages
written before this migration stay full until rewritten (``VACUUM FULL action``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "dedupe_key, message_id, action_id, kind, threshold"
ACTION_FILLFACTOR = 70


def _string(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "message_item_v2",
        sa.Column("dedupe_key", _string(200), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("kind", _string(30), nullable=False),
        sa.Column("threshold", _string(60), nullable=False),
        sa.PrimaryKeyConstraint("dedupe_key", name="pk_message_item"),
    )
    op.execute(f"INSERT INTO message_item_v2 ({COLUMNS}) SELECT {COLUMNS} FROM message_item")
    op.drop_table("message_item")
    op.rename_table("message_item_v2", "message_item")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE action SET (fillfactor = {ACTION_FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE action RESET (fillfactor)")
    op.create_table(
        "message_item_v1",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("kind", _string(30), nullable=False),
        sa.Column("threshold", _string(60), nullable=False),
        sa.Column("dedupe_key", _string(200), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["action.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.execute(f"INSERT INTO message_item_v1 ({COLUMNS}) SELECT {COLUMNS} FROM message_item")
    op.drop_table("message_item")
    op.rename_table("message_item_v1", "message_item")
    with op.batch_alter_table("message_item", schema=None) as batch_op:
        batch_op.create_index("ix_message_item_action_id", ["action_id"], unique=False)
        batch_op.create_index("ix_message_item_message_id", ["message_id"], unique=False)
