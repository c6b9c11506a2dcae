"""Social: tweets, likes, follows, home timelines.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def _user_fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete="CASCADE"
    )


def _tweet_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tweet_id"], ["tweets.id"], name=f"fk_{table}_tweet_id_tweets", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_index("ix_users_last_login", "users", ["last_login"])
    op.create_table(
        "tweets",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("author_id", Id, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("image", sa.String(100), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("edited_at", Timestamp, nullable=True),
        sa.Column("like_count", sa.Integer(), server_default="0", nullable=False),
        _user_fk("author_id", "tweets"),
        sa.PrimaryKeyConstraint("id", name="pk_tweets"),
    )
    op.create_index("ix_tweets_author_id_id", "tweets", ["author_id", "id"])
    op.create_table(
        "likes",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("tweet_id", Id, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        _user_fk("user_id", "likes"),
        _tweet_fk("likes"),
        sa.PrimaryKeyConstraint("id", name="pk_likes"),
        sa.UniqueConstraint("user_id", "tweet_id", name="uq_likes_user_id_tweet_id"),
    )
    op.create_index("ix_likes_tweet_id_id", "likes", ["tweet_id", "id"])
    op.create_table(
        "follows",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("follower_id", Id, nullable=False),
        sa.Column("followee_id", Id, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        _user_fk("follower_id", "follows"),
        _user_fk("followee_id", "follows"),
        sa.PrimaryKeyConstraint("id", name="pk_follows"),
        sa.UniqueConstraint(
            "follower_id", "followee_id", name="uq_follows_follower_id_followee_id"
        ),
        sa.CheckConstraint("follower_id <> followee_id", name="ck_follows_no_self_follow"),
    )
    op.create_index("ix_follows_followee_id_id", "follows", ["followee_id", "id"])
    op.create_index("ix_follows_follower_id_id", "follows", ["follower_id", "id"])
    op.create_table(
        "timeline_entries",
        sa.Column("user_id", Id, nullable=False),
        sa.Column("tweet_id", Id, nullable=False),
        _user_fk("user_id", "timeline_entries"),
        _tweet_fk("timeline_entries"),
        sa.PrimaryKeyConstraint("user_id", "tweet_id", name="pk_timeline_entries"),
    )
    op.create_index("ix_timeline_entries_tweet_id", "timeline_entries", ["tweet_id"])


def downgrade() -> None:
    op.drop_table("timeline_entries")
    op.drop_table("follows")
    op.drop_table("likes")
    op.drop_table("tweets")
    op.drop_index("ix_users_last_login", "users")
