"""Media: uploaded images with alt text and their size, attached to tweets (up to 4, in
order) or waiting to be; unattached ones expire.

Tweets' images posted before this revision have no media row: their dimensions were never
recorded (they keep their ``image_url``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("uploader_id", Id, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("content_type", sa.String(50), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("alt", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tweet_id", Id, nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(tweet_id IS NULL AND position IS NULL)"
            " OR (tweet_id IS NOT NULL AND position BETWEEN 0 AND 3)",
            name="ck_media_attached_at_a_position",
        ),
        sa.ForeignKeyConstraint(
            ["uploader_id"], ["users.id"], name="fk_media_uploader_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tweet_id"], ["tweets.id"], name="fk_media_tweet_id_tweets", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_media"),
        sa.UniqueConstraint("tweet_id", "position", name="uq_media_tweet_id_position"),
    )
    op.create_index("ix_media_uploader_id", "media", ["uploader_id"])
    op.create_index(
        "ix_media_unattached_created_at",
        "media",
        ["created_at"],
        postgresql_where=sa.text("tweet_id IS NULL"),
        sqlite_where=sa.text("tweet_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_media_unattached_created_at", table_name="media")
    op.drop_index("ix_media_uploader_id", table_name="media")
    op.drop_table("media")
