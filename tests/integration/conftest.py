"""Integration fixtures: every test here runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import pytest
from dishka import Provider, Scope, provide
from litestar import Litestar
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.memory.clock import ManualClock
from adapters.sql.engine import create_engine
from adapters.sql.migrate import upgrade
from adapters.sql.tables import metadata
from application.ports.clock import Clock
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


# --- Helpers for the HTTP contract tests (auth, me, admin settings, bad input, docs) ---

PROBLEM_JSON = "application/problem+json"
API = "/api/v1"
# What must never appear in an error response: stack traces, SQL, driver names, the key.
LEAK_MARKERS = ("Traceback", 'File "', "SELECT ", "INSERT ", "sqlalchemy", TEST_SECRET.decode())


def assert_problem(
    response: httpx.Response, status: int, code: str | None = None
) -> dict[str, Any]:
    """``response`` is an RFC 9457 problem document with ``status`` (and ``code``); its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0].strip() == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["type"], str)
    assert isinstance(body["title"], str)
    assert isinstance(body["detail"], str)
    assert isinstance(body["code"], str)
    if code is not None:
        assert body["code"] == code, body
    for marker in LEAK_MARKERS:
        assert marker not in response.text
    return body


def assert_unauthorized(response: httpx.Response, code: str | None = None) -> dict[str, Any]:
    body = assert_problem(response, 401, code)
    assert response.headers["www-authenticate"].startswith("Bearer")
    return body


def error_fields(body: dict[str, Any]) -> set[str]:
    """The fields named by a validation problem's ``errors`` list."""
    return {error["field"] for error in body["errors"]}


async def login(client: httpx.AsyncClient, password: str = PASSWORD, **who: str) -> httpx.Response:
    """POST /auth/login with ``username=`` or ``email=`` (or both, or neither)."""
    return await client.post(f"{API}/auth/login", json={"password": password, **who})


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post(f"{API}/auth/refresh", json={"refresh_token": refresh_token})


async def register_admin(
    client: httpx.AsyncClient, engine: AsyncEngine, username: str = "root"
) -> Account:
    """An administrator holding a fresh token pair (one that says it is an admin)."""
    account = await register(client, username)
    await make_admin(engine, username)
    response = await login(client, username=username)
    assert response.status_code == 200, response.text
    account.tokens = response.json()
    return account


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def token_claims(access_token: str) -> dict[str, Any]:
    """The claims of an access token as any client can read them (no verification)."""
    claims: dict[str, Any] = jwt.decode(access_token, options={"verify_signature": False})
    return claims


def forge_access_token(
    claims: dict[str, Any],
    *,
    secret: bytes = TEST_SECRET,
    algorithm: str = "HS256",
    typ: str | None = "at+jwt",
) -> str:
    """An access token with exactly ``claims``, signed as told."""
    headers = {} if typ is None else {"typ": typ}
    key: bytes | None = None if algorithm == "none" else secret
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


class ClockOverride(Provider):
    """Gives an app a clock the test controls (tokens, sessions and the settings cache)."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(scope=Scope.APP)
        self._clock = clock

    @provide
    def clock(self) -> Clock:
        return self._clock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC))


@pytest.fixture
async def clocked_client(
    engine: AsyncEngine, clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    """Like ``client``, but the app's clock is ``clock``.

    Access tokens are verified against the real time, so an access token issued after the
    clock was moved forward is "not yet valid": take the ones a test needs beforehand.
    """
    async with serve(make_app(engine, ClockOverride(clock))) as http:
        yield http
