"""Where a new tweet or repost stands in feeds and tweet lists: one rising sequence for both,
so a list orders its items by when each entered it.

PostgreSQL: the tweets' id sequence (a repost takes a number from it too). SQLite gives a new
row the greatest id plus one and has no sequence to share, so both a tweet's id and a
repost's position are one past the greatest of either; a writing transaction holds the
database's write lock from its start, so no two writers take the same number.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from adapters.sql.tables import reposts, tweets


def next_position(dialect: str) -> Any:
    if dialect == "postgresql":
        return func.nextval(func.pg_get_serial_sequence("tweets", "id"))
    greatest = func.max(  # SQLite's scalar max
        func.coalesce(select(func.max(tweets.c.id)).scalar_subquery(), 0),
        func.coalesce(select(func.max(reposts.c.position)).scalar_subquery(), 0),
    )
    return greatest + 1


def next_tweet_id(dialect: str) -> dict[str, Any]:
    """The ``id`` to give a new tweet's INSERT: none on PostgreSQL (its default takes it
    from the sequence), past every repost too on SQLite."""
    return {} if dialect == "postgresql" else {"id": next_position(dialect)}
