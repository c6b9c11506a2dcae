"""Reads of the benchmark database: whether it is loaded, its row counts, deep page keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from bench.dataset import DEEP_PAGE, PAGE_SIZE, Size


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def fetchval(database_url: str, sql: str, *args: object) -> Any:
    """The first column of the first row of one query, on a connection of its own."""
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return await connection.fetchval(sql, *args)
    finally:
        await connection.close()


_COUNTS = """
SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM follows),
       (SELECT count(*) FROM tweets), (SELECT count(*) FROM likes),
       (SELECT count(*) FROM timeline_entries)
"""

EXISTING_ROWS = """
SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM tweets)
     + (SELECT count(*) FROM follows) + (SELECT count(*) FROM likes)
"""


async def row_counts(connection: asyncpg.Connection) -> dict[str, int]:
    users, follows, tweets, likes, timeline = await connection.fetchrow(_COUNTS)
    return {
        "users": users,
        "follows": follows,
        "tweets": tweets,
        "likes": likes,
        "timeline_entries": timeline,
        "database_bytes": int(
            await connection.fetchval("SELECT pg_database_size(current_database())")
        ),
    }


async def counts(database_url: str, size: Size) -> dict[str, object]:
    """The row counts of an already loaded database (for ``--database-url`` reuse)."""
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return {**await row_counts(connection), "reused": True, "size": size.name}
    finally:
        await connection.close()


async def page_cursors(
    database_url: str, user_ids: Sequence[int], page: int = DEEP_PAGE
) -> dict[int, int]:
    """For each user whose feed reaches ``page`` full pages: the key the page starts below.

    ``encode_cursor`` of that key is the ``next_cursor`` of page ``page - 1``.
    """
    offset = (page - 1) * PAGE_SIZE - 1
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        keys: dict[int, int] = {}
        for user_id in user_ids:
            rows = await connection.fetch(
                "SELECT tweet_id FROM timeline_entries WHERE user_id = $1 "
                "ORDER BY tweet_id DESC OFFSET $2 LIMIT $3",
                user_id,
                offset,
                PAGE_SIZE + 1,
            )
            if len(rows) == PAGE_SIZE + 1:
                keys[user_id] = int(rows[0]["tweet_id"])
        return keys
    finally:
        await connection.close()
