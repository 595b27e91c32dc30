"""placeholder for 0004_repeat_links (written on main at the same time; dropped at merge)

Revision ID: 0004_repeat_links
Revises: 0003
Create Date: 2026-12-01 00:00:00
"""

from collections.abc import Sequence

revision: str = "0004_repeat_links"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
