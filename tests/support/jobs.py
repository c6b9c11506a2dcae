"""Derived data in tests: run the workers until nothing is left to do, never sleep."""

from __future__ import annotations

import asyncio
import time

from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import create_engine
from entrypoints.config import AppConfig
from entrypoints.di import make_container
from entrypoints.worker import run_jobs
from tests.support.app import TEST_SECRET, SharedEngine


async def drain(app: Litestar) -> None:
    """Do every job ``app``'s writes queued (feeds, counts, ...), as ``chirp worker`` would."""
    await run_jobs(app.state.dishka_container, until_empty=True)


async def settle(engine: AsyncEngine) -> None:
    """``drain`` for a test that holds only the database: a worker of its own does it."""
    config = AppConfig(database_url=str(engine.url), jwt_secret=TEST_SECRET)
    container = make_container(config, SharedEngine(engine))
    try:
        await run_jobs(container, until_empty=True)
    finally:
        await container.close()


async def assert_derived_work_done(url: str, within: float) -> None:
    """Wait until the workers have done every job and folded every count change; then
    everything derived (followers' timelines, counts) matches the facts."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:

            async def count(sql: str) -> int:
                value = await connection.scalar(text(sql))
                await connection.rollback()
                return int(value or 0)

            deadline = time.monotonic() + within
            while left := await count(
                "SELECT (SELECT count(*) FROM pgqueuer) + (SELECT count(*) FROM count_changes)"
            ):
                assert time.monotonic() < deadline, f"{left} jobs and count changes left"
                await asyncio.sleep(0.2)
            checks = {
                "tweets not fanned out": "SELECT count(*) FROM tweets WHERE NOT fanned_out",
                "entries missing": (
                    "SELECT count(*) FROM tweets t JOIN follows f ON f.followee_id = t.author_id"
                    " WHERE NOT EXISTS (SELECT FROM timeline_entries e"
                    "  WHERE e.user_id = f.follower_id AND e.tweet_id = t.id)"
                ),
                "like counts off": (
                    "SELECT count(*) FROM tweets t"
                    " WHERE like_count <> (SELECT count(*) FROM likes l WHERE l.tweet_id = t.id)"
                ),
                "tweet counts off": (
                    "SELECT count(*) FROM users u WHERE tweets_count <>"
                    " (SELECT count(*) FROM tweets t WHERE t.author_id = u.id)"
                ),
            }
            found = {check: await count(sql) for check, sql in checks.items()}
            assert found == dict.fromkeys(checks, 0), found
    finally:
        await engine.dispose()
