"""Quotes: the tweet a tweet quotes, and how many quote it.

``quoted_tweet_id`` has no foreign key: deleting the original keeps its quotes and their
``quoted_tweet_id`` (the quote then embeds null). ``quote_count`` is folded by the workers
from recorded changes, like ``like_count``. The partial index holds only quotes: a tweet's
quotes, newest first, and the recount of ``repair``.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
QUOTES_ONLY = sa.text("quoted_tweet_id IS NOT NULL")


def upgrade() -> None:
    op.add_column("tweets", sa.Column("quoted_tweet_id", Id, nullable=True))
    op.add_column(
        "tweets", sa.Column("quote_count", sa.Integer(), nullable=False, server_default="0")
    )
    op.create_index(
        "ix_tweets_quoted_tweet_id_id",
        "tweets",
        ["quoted_tweet_id", "id"],
        postgresql_where=QUOTES_ONLY,
        sqlite_where=QUOTES_ONLY,
    )


def downgrade() -> None:
    op.drop_index("ix_tweets_quoted_tweet_id_id", table_name="tweets")
    with op.batch_alter_table("tweets", recreate="auto") as tweets:
        tweets.drop_column("quote_count")
        tweets.drop_column("quoted_tweet_id")
