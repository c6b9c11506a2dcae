"""Derived data in tests: run the workers until the queue is empty, never sleep."""

from __future__ import annotations

from litestar import Litestar

from entrypoints.worker import run_jobs


async def drain(app: Litestar) -> None:
    """Do every job ``app``'s writes queued (feeds, ...), as ``chirp worker`` would."""
    await run_jobs(app.state.dishka_container, until_empty=True)
