"""Blocks and mutes (API.md "Relationships, safety and attention").

``blocks``: indexed both ways, since a block separates two accounts both ways and every
list probes it in both directions. ``mutes``: one row per (muter, muted) with its terms;
``expires_at`` NULL is a mute that never ends.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def _user_fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "blocks",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("blocker_id", Id, nullable=False),
        sa.Column("blocked_id", Id, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        _user_fk("blocker_id", "blocks"),
        _user_fk("blocked_id", "blocks"),
        sa.PrimaryKeyConstraint("id", name="pk_blocks"),
        sa.UniqueConstraint("blocker_id", "blocked_id", name="uq_blocks_blocker_id_blocked_id"),
        sa.CheckConstraint("blocker_id <> blocked_id", name="ck_blocks_no_self_block"),
    )
    op.create_index("ix_blocks_blocked_id_blocker_id", "blocks", ["blocked_id", "blocker_id"])
    op.create_index("ix_blocks_blocker_id_id", "blocks", ["blocker_id", "id"])
    op.create_table(
        "mutes",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("muter_id", Id, nullable=False),
        sa.Column("muted_id", Id, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=True),
        sa.Column("notifications", sa.Boolean(), nullable=False),
        _user_fk("muter_id", "mutes"),
        _user_fk("muted_id", "mutes"),
        sa.PrimaryKeyConstraint("id", name="pk_mutes"),
        sa.UniqueConstraint("muter_id", "muted_id", name="uq_mutes_muter_id_muted_id"),
        sa.CheckConstraint("muter_id <> muted_id", name="ck_mutes_no_self_mute"),
    )
    op.create_index("ix_mutes_muter_id_id", "mutes", ["muter_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_mutes_muter_id_id", table_name="mutes")
    op.drop_table("mutes")
    op.drop_index("ix_blocks_blocker_id_id", table_name="blocks")
    op.drop_index("ix_blocks_blocked_id_blocker_id", table_name="blocks")
    op.drop_table("blocks")
