"""Count changes: written with each like, follow and tweet, folded into the counts by the
workers, so that no writer waits for another on a counted row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "count_changes",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("counter", sa.String(30), nullable=False),
        sa.Column("subject_id", Id, nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_count_changes_counter_subject_id", "count_changes", ["counter", "subject_id"]
    )


def downgrade() -> None:
    op.drop_table("count_changes")
