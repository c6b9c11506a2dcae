"""Edit history: each tweet counts its edits, and each edit keeps the version it replaced.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column(
        "tweets", sa.Column("edit_count", sa.Integer(), nullable=False, server_default="0")
    )
    op.create_table(
        "tweet_versions",
        sa.Column("tweet_id", Id, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tweet_id"],
            ["tweets.id"],
            name="fk_tweet_versions_tweet_id_tweets",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tweet_id", "number", name="pk_tweet_versions"),
    )


def downgrade() -> None:
    op.drop_table("tweet_versions")
    with op.batch_alter_table("tweets", recreate="auto") as tweets:
        tweets.drop_column("edit_count")
