"""Bookmarks: private, one per (user, tweet), listed by their owner newest first; a
tweet's deletion takes its bookmarks (``ix_bookmarks_tweet_id`` serves the cascade).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "bookmarks",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("tweet_id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_bookmarks_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tweet_id"], ["tweets.id"], name="fk_bookmarks_tweet_id_tweets", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_bookmarks"),
        sa.UniqueConstraint("user_id", "tweet_id", name="uq_bookmarks_user_id_tweet_id"),
    )
    op.create_index("ix_bookmarks_user_id_id", "bookmarks", ["user_id", "id"])
    op.create_index("ix_bookmarks_tweet_id", "bookmarks", ["tweet_id"])


def downgrade() -> None:
    op.drop_index("ix_bookmarks_tweet_id", table_name="bookmarks")
    op.drop_index("ix_bookmarks_user_id_id", table_name="bookmarks")
    op.drop_table("bookmarks")
