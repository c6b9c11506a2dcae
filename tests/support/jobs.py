"""Derived data in tests: run the workers until nothing is left to do, never sleep."""

from __future__ import annotations

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

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
