"""placeholder for 0005_delivery_fencing (written on another branch; dropped at merge)

Revision ID: 0005_delivery_fencing
Revises: 0004_repeat_links
"""

from collections.abc import Sequence

revision: str = "0005_delivery_fencing"
down_revision: str | None = "0004_repeat_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
