"""placeholder for 0004_repeat_links (written on another branch; this file is dropped at merge)

Revision ID: 0004_repeat_links
Revises: 0003
"""

from collections.abc import Sequence

revision: str = "0004_repeat_links"
# The brief names the parent "0003_audit_no_truncate"; the revision id inside that file is "0003".
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
