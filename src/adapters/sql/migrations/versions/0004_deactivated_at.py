"""Users: when each account was last deactivated (``deactivated_at``).

Access tokens are checked without a database read; a process keeps the accounts deactivated
within the longest access-token lifetime (one day) in memory, read through a partial index.
Accounts already inactive count as deactivated now, so tokens they may still hold are void.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SET = "deactivated_at IS NOT NULL"
users = sa.table(
    "users",
    sa.column("is_active", sa.Boolean()),
    sa.column("deactivated_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.add_column("users", sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_users_deactivated_at",
        "users",
        ["deactivated_at"],
        postgresql_where=sa.text(_SET),
        sqlite_where=sa.text(_SET),
    )
    op.execute(
        users.update().where(users.c.is_active.is_(False)).values(deactivated_at=datetime.now(UTC))
    )


def downgrade() -> None:
    op.drop_index("ix_users_deactivated_at", table_name="users")
    op.drop_column("users", "deactivated_at")  # SQLite >= 3.35 drops it in place
