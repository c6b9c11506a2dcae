"""Bounded home timelines: each entry carries its own position in the feed, and each
reader's timeline keeps only its newest entries; the feed below a reader's horizon is
computed when it is read.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Every entry so far is a tweet, placed where the tweet was posted.
    op.add_column("timeline_entries", sa.Column("position", Id, nullable=True))
    op.execute("UPDATE timeline_entries SET position = tweet_id")
    # Two indexes per entry instead of three: the primary key, led by the tweet, serves both
    # "a tweet at most once per feed" and the cascade when a tweet is deleted (it replaces
    # ix_timeline_entries_tweet_id); pages read (user_id, position).
    with op.batch_alter_table("timeline_entries", recreate="auto") as entries:
        entries.alter_column("position", existing_type=Id, nullable=False)
        entries.drop_constraint("pk_timeline_entries", type_="primary")
        entries.create_primary_key("pk_timeline_entries", ["tweet_id", "user_id"])
        entries.drop_index("ix_timeline_entries_tweet_id")
    op.create_index(
        "ix_timeline_entries_user_id_position", "timeline_entries", ["user_id", "position"]
    )
    op.create_table(
        "timeline_horizons",
        sa.Column("user_id", Id, nullable=False),
        sa.Column("position", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_timeline_horizons_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name="pk_timeline_horizons"),
    )


def downgrade() -> None:
    op.drop_table("timeline_horizons")
    op.drop_index("ix_timeline_entries_user_id_position", table_name="timeline_entries")
    with op.batch_alter_table("timeline_entries", recreate="auto") as entries:
        entries.drop_constraint("pk_timeline_entries", type_="primary")
        entries.create_primary_key("pk_timeline_entries", ["user_id", "tweet_id"])
        entries.create_index("ix_timeline_entries_tweet_id", ["tweet_id"])
        entries.drop_column("position")
