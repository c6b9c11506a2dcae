"""Derived work: the job queue, and tweets that are not fanned out on write.

On PostgreSQL the queue is pgqueuer's schema (frozen here as its 1.6.0 installer printed
it: ``0005_pgqueuer_1_6_0.sql``); on SQLite, a ``jobs`` table with the same contract.
``tweets.fanned_out`` is false for tweets of an author with more followers than
``fanout_max_followers``: followers' feeds merge those in when read, through a partial
index that holds them only.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PGQUEUER_SCHEMA = Path(__file__).with_name("0005_pgqueuer_1_6_0.sql")
_NOT_FANNED_OUT = "NOT fanned_out"


def _pgqueuer_statements() -> list[str]:
    """The script's commands one by one (the driver prepares each): split after each
    ``;`` that ends a line, except inside a ``$$``-quoted function body."""
    statements, current = [], ""
    for line in PGQUEUER_SCHEMA.read_text().splitlines(keepends=True):
        if not current.strip() and line.startswith("--"):
            continue  # a comment between commands
        current += line
        if line.rstrip().endswith(";") and current.count("$$") % 2 == 0:
            statements.append(current.strip())
            current = ""
    return statements


def upgrade() -> None:
    with op.batch_alter_table("tweets") as tweets:
        tweets.add_column(
            sa.Column("fanned_out", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.create_index(
        "ix_tweets_not_fanned_out",
        "tweets",
        ["author_id", "id"],
        postgresql_where=sa.text(_NOT_FANNED_OUT),
        sqlite_where=sa.text(_NOT_FANNED_OUT),
    )
    if op.get_context().dialect.name == "postgresql":
        for statement in _pgqueuer_statements():
            op.execute(statement)
        return
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("run_at", sa.Float(), nullable=False),
        sa.Column("locked_until", sa.Float(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_jobs_status_run_at", "jobs", ["status", "run_at"])
    op.create_index(
        "ix_jobs_dedupe_key",
        "jobs",
        ["dedupe_key"],
        unique=True,
        sqlite_where=sa.text("dedupe_key IS NOT NULL AND status IN ('queued', 'running')"),
    )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tg_pgqueuer_changed ON pgqueuer")
        op.execute("DROP FUNCTION IF EXISTS fn_pgqueuer_changed")
        for table in ("pgqueuer_statistics", "pgqueuer_schedules", "pgqueuer_log", "pgqueuer"):
            op.execute(f"DROP TABLE IF EXISTS {table}")
        op.execute("DROP TYPE IF EXISTS pgqueuer_status")
    else:
        op.drop_table("jobs")
    op.drop_index("ix_tweets_not_fanned_out", table_name="tweets")
    with op.batch_alter_table("tweets") as tweets:
        tweets.drop_column("fanned_out")
