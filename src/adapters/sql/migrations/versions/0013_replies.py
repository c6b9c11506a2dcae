"""Replies: the tweet a tweet replies to, its author when the reply was posted (for
``in_reply_to_username`` and the feed rule for replies, without reading the parent), and the
number of direct replies (folded by the workers from recorded changes, as ``like_count``).

No foreign key on ``in_reply_to_id``: deleting a tweet keeps its replies, and theirs keeps
naming it. The (in_reply_to_id, id) index serves ``/replies`` (oldest first) and walking a
thread down (``/context``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("tweets", sa.Column("in_reply_to_id", Id, nullable=True))
    op.add_column("tweets", sa.Column("in_reply_to_user_id", Id, nullable=True))
    op.add_column(
        "tweets", sa.Column("reply_count", sa.Integer(), nullable=False, server_default="0")
    )
    op.create_index("ix_tweets_in_reply_to_id_id", "tweets", ["in_reply_to_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_tweets_in_reply_to_id_id", table_name="tweets")
    with op.batch_alter_table("tweets", recreate="auto") as tweets:
        tweets.drop_column("reply_count")
        tweets.drop_column("in_reply_to_user_id")
        tweets.drop_column("in_reply_to_id")
