"""Integration fixtures: every test here runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from dishka import Provider, Scope, provide
from litestar import Litestar
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import create_engine
from adapters.sql.migrate import upgrade
from adapters.sql.tables import metadata
from entrypoints.config import AppConfig
from entrypoints.http.app import create_app
from tests.integration.postgres_server import URL_ENV, postgres_binaries, throwaway_postgres

TEST_SECRET = b"integration-tests-secret-of-at-least-32-bytes"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server for the whole run (never skipped under CI=true)."""
    if postgres_binaries() is None and not os.environ.get(URL_ENV):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no PostgreSQL server binaries were found")
        pytest.skip("PostgreSQL binaries not found; set CHIRP_PG_BIN or CHIRP_TEST_POSTGRES_URL")
    with throwaway_postgres() as url:
        yield url


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
            names = ", ".join(table.name for table in metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(metadata.sorted_tables):
                await connection.execute(delete(table))
    return migrated_engine


@pytest.fixture
def backend(engine: AsyncEngine) -> str:
    return engine.dialect.name


@pytest.fixture
def postgres_only(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("a concurrency property: checked on PostgreSQL")


class SharedEngine(Provider):
    """Lets every app in a test reuse the session's engine instead of opening its own."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(scope=Scope.APP)
        self._engine = engine

    @provide
    def engine(self) -> AsyncEngine:
        return self._engine


def make_app(engine: AsyncEngine, *providers: Provider) -> Litestar:
    config = AppConfig(database_url=str(engine.url), jwt_secret=TEST_SECRET)
    return create_app(config, SharedEngine(engine), *providers)


@asynccontextmanager
async def serve(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client calling ``app`` in this event loop, so requests really run concurrently.

    (Litestar's AsyncTestClient runs the app on a loop of its own, which an engine shared
    with the test cannot follow.)
    """
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    await app.state.dishka_container.close()


@pytest.fixture
async def client(engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(make_app(engine)) as http:
        yield http


@dataclass
class Account:
    """A registered user as a client knows it."""

    username: str
    email: str
    password: str
    user: dict[str, Any]
    tokens: dict[str, Any]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens['access_token']}"}


async def register(client: httpx.AsyncClient, username: str = "alice", **fields: str) -> Account:
    body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
    body.update(fields)
    response = await client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    payload = response.json()
    return Account(
        body["username"], body["email"], body["password"], payload["user"], payload["tokens"]
    )


async def make_admin(engine: AsyncEngine, username: str) -> None:
    """Promote a user directly in the database (the CLI's job in real life)."""
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE users SET is_admin = :yes WHERE username_canonical = :name"),
            {"yes": True, "name": username.lower()},
        )
