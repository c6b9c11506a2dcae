"""Mentions and hashtags: stored per tweet for lookups (who is mentioned, a tag's tweets),
and kept on the tweet's row too (its folded tags, how many mentions) so reading a tweet costs
no statement for hashtags and one per page for mentions only when some tweet has any.

Tweets posted before this revision have none (their text is not parsed again).

``tag_uses``: the hashtags of recent tweets with their author and time, kept by the workers
for ``/tags/trending`` (tag in byte order on PostgreSQL, as SQLite and Python compare).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Tag = sa.String(50).with_variant(sa.String(50, collation="C"), "postgresql")


def upgrade() -> None:
    op.add_column("tweets", sa.Column("hashtags", sa.Text(), nullable=False, server_default=""))
    op.add_column(
        "tweets", sa.Column("mention_count", sa.Integer(), nullable=False, server_default="0")
    )
    op.create_table(
        "tweet_mentions",
        sa.Column("tweet_id", Id, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["tweet_id"],
            ["tweets.id"],
            name="fk_tweet_mentions_tweet_id_tweets",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_tweet_mentions_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tweet_id", "position", name="pk_tweet_mentions"),
    )
    op.create_index("ix_tweet_mentions_user_id_tweet_id", "tweet_mentions", ["user_id", "tweet_id"])
    op.create_table(
        "tweet_hashtags",
        sa.Column("tweet_id", Id, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(50), nullable=False),
        sa.ForeignKeyConstraint(
            ["tweet_id"],
            ["tweets.id"],
            name="fk_tweet_hashtags_tweet_id_tweets",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tweet_id", "position", name="pk_tweet_hashtags"),
    )
    op.create_index("ix_tweet_hashtags_tag_tweet_id", "tweet_hashtags", ["tag", "tweet_id"])
    op.create_table(
        "tag_uses",
        sa.Column("tweet_id", Id, nullable=False),
        sa.Column("tag", Tag, nullable=False),
        sa.Column("author_id", Id, nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tweet_id"], ["tweets.id"], name="fk_tag_uses_tweet_id_tweets", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tweet_id", "tag", name="pk_tag_uses"),
    )
    op.create_index("ix_tag_uses_used_at", "tag_uses", ["used_at", "tag", "author_id"])


def downgrade() -> None:
    op.drop_index("ix_tag_uses_used_at", table_name="tag_uses")
    op.drop_table("tag_uses")
    op.drop_index("ix_tweet_hashtags_tag_tweet_id", table_name="tweet_hashtags")
    op.drop_table("tweet_hashtags")
    op.drop_index("ix_tweet_mentions_user_id_tweet_id", table_name="tweet_mentions")
    op.drop_table("tweet_mentions")
    with op.batch_alter_table("tweets", recreate="auto") as tweets:
        tweets.drop_column("mention_count")
        tweets.drop_column("hashtags")
