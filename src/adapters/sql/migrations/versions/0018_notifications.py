"""Notifications and each user's read marker and unread count.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _user_fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("type", sa.String(10), nullable=False),
        sa.Column("actor_id", Id, nullable=False),
        sa.Column("tweet_id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _user_fk("user_id", "notifications"),
        _user_fk("actor_id", "notifications"),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint(
            "user_id", "type", "actor_id", "tweet_id", name="uq_notifications_user_id_type_actor"
        ),
    )
    op.create_index("ix_notifications_user_id_id", "notifications", ["user_id", "id"])
    op.create_index(
        "ix_notifications_user_id_actor_id_id", "notifications", ["user_id", "actor_id", "id"]
    )
    op.create_index("ix_notifications_tweet_id", "notifications", ["tweet_id"])
    op.create_table(
        "notification_marks",
        sa.Column("user_id", Id, nullable=False),
        sa.Column("read_up_to", Id, nullable=False, server_default="0"),
        sa.Column("unread", sa.Integer(), nullable=False, server_default="0"),
        _user_fk("user_id", "notification_marks"),
        sa.PrimaryKeyConstraint("user_id", name="pk_notification_marks"),
    )


def downgrade() -> None:
    op.drop_table("notification_marks")
    op.drop_index("ix_notifications_tweet_id", table_name="notifications")
    op.drop_index("ix_notifications_user_id_actor_id_id", table_name="notifications")
    op.drop_index("ix_notifications_user_id_id", table_name="notifications")
    op.drop_table("notifications")
