"""The app as the integration tests run it: on the test's engine, called in the test's loop."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from dishka import Provider, Scope, provide
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from entrypoints.config import AppConfig, MediaStore
from entrypoints.http.app import create_app
from entrypoints.worker import run_jobs

TEST_SECRET = b"integration-tests-secret-of-at-least-32-bytes"


class SharedEngine(Provider):
    """Lets every app in a test reuse the session's engine instead of opening its own."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(scope=Scope.APP)
        self._engine = engine

    @provide
    def engine(self) -> AsyncEngine:
        return self._engine


def make_app(
    engine: AsyncEngine,
    *providers: Provider,
    media_dir: Path | None = None,
    media_store: MediaStore | None = None,
) -> Litestar:
    """The app on ``engine``; uploads go to ``media_store`` if given, else to ``media_dir`` (by
    default a fresh directory under the system's temporary directory, created on the first
    upload), never to ./media."""
    if media_dir is None:
        media_dir = Path(tempfile.gettempdir()) / f"chirp-test-media-{secrets.token_hex(8)}"
    config = AppConfig(
        database_url=str(engine.url),
        jwt_secret=TEST_SECRET,
        media_dir=media_dir,
        media_store=media_store,
    )
    return create_app(config, SharedEngine(engine), *providers)


@asynccontextmanager
async def serve(
    app: Litestar, *, drain_before_reads: bool = False
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client calling ``app`` in this event loop, so requests really run concurrently.

    (Litestar's AsyncTestClient runs the app on a loop of its own, which an engine shared
    with the test cannot follow.) With ``drain_before_reads``, the app's workers run to
    completion before each GET, as if they kept up at once: for tests of what derived data
    ends up as, not of when (those are in tests/integration/workers).
    """
    transport = httpx.ASGITransport(app=app)
    hooks: dict[str, list[Any]] = {}
    if drain_before_reads:

        async def drain_first(request: httpx.Request) -> None:
            if request.method in ("GET", "HEAD"):
                await run_jobs(app.state.dishka_container, until_empty=True)

        hooks["request"] = [drain_first]
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", event_hooks=hooks
    ) as client:
        yield client
    await app.state.dishka_container.close()
