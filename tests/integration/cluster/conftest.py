"""Fixtures of the multi-process tests: one cluster (tests/support/cluster.py) for the package,
since starting it is the slow part (~8 s); each test makes users of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import create_engine
from devservers.seaweedfs import ThrowawaySeaweedFS
from tests.support.cluster import Cluster, chirp_cluster, missing_binaries


@pytest.fixture(scope="package")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two servers, two workers, PostgreSQL with a replica, Redis and SeaweedFS (never
    skipped under CI=true)."""
    missing = missing_binaries()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {', '.join(missing)} not found")
        pytest.skip(f"{', '.join(missing)} not found")
    with chirp_cluster(tmp_path_factory.mktemp("cluster")) as running:
        yield running


@pytest.fixture(scope="package")
async def primary(cluster: Cluster) -> AsyncIterator[AsyncEngine]:
    """The primary database, as the test sees it (for users and for checking rows)."""
    engine = create_engine(cluster.database.primary.url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def first(cluster: Cluster) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the first ``chirp serve``."""
    async with httpx.AsyncClient(base_url=cluster.servers[0].url, timeout=10) as client:
        yield client


@pytest.fixture
async def second(cluster: Cluster) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the second ``chirp serve``."""
    async with httpx.AsyncClient(base_url=cluster.servers[1].url, timeout=10) as client:
        yield client


@pytest.fixture
def store(cluster: Cluster) -> ThrowawaySeaweedFS:
    """The object store, started again if an earlier test stopped it."""
    if not cluster.store.running:
        cluster.store.start()
    return cluster.store


@pytest.fixture
def names() -> list[str]:
    """Usernames of this test's own (the database is shared by every test here)."""
    run = uuid.uuid4().hex[:8]
    return [f"{who}_{run}" for who in ("ann", "ben", "cat", "dan", "eve", "fay", "gus", "hal")]
