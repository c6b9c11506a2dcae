"""Reposts: who reposted which tweet, and where the repost stands among tweets.

``position`` comes from the tweets' own id sequence (on SQLite: one past the greatest tweet
id or repost position), so a feed or tweet list orders tweets and reposts by when each
entered it. ``timeline_entries.reposted_by``: the followee whose repost put the tweet in
that feed (NULL: the tweet itself).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column(
        "tweets", sa.Column("repost_count", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("timeline_entries", sa.Column("reposted_by", Id, nullable=True))
    op.create_table(
        "reposts",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("tweet_id", Id, nullable=False),
        sa.Column("position", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_reposts_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tweet_id"], ["tweets.id"], name="fk_reposts_tweet_id_tweets", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reposts"),
        sa.UniqueConstraint("user_id", "tweet_id", name="uq_reposts_user_id_tweet_id"),
    )
    op.create_index("ix_reposts_tweet_id_id", "reposts", ["tweet_id", "id"])
    op.create_index("ix_reposts_user_id_position", "reposts", ["user_id", "position"])
    op.create_index("ix_reposts_position", "reposts", ["position"])


def downgrade() -> None:
    op.drop_index("ix_reposts_position", table_name="reposts")
    op.drop_index("ix_reposts_user_id_position", table_name="reposts")
    op.drop_index("ix_reposts_tweet_id_id", table_name="reposts")
    op.drop_table("reposts")
    op.drop_column("timeline_entries", "reposted_by")
    op.drop_column("tweets", "repost_count")
