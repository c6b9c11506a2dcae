"""Integration fixtures: every test here runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import jwt
import pytest
from dishka import Provider, Scope, provide
from litestar import Litestar
from redis.asyncio import Redis
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import create_engine
from adapters.sql.migrate import upgrade
from adapters.sql.tables import metadata
from adapters.sql.tables import sessions as sessions_table
from adapters.sql.tables import users as users_table
from application.ports.clock import Clock
from devservers.postgres import URL_ENV, postgres_binaries, throwaway_postgres
from devservers.redis import URL_ENV as REDIS_URL_ENV
from devservers.redis import redis_server_binary, throwaway_redis
from entrypoints.config import AppConfig
from entrypoints.http.app import create_app
from tests.support.doubles import ManualClock

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


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A throwaway Redis server for the whole run (never skipped under CI=true)."""
    if redis_server_binary() is None and not os.environ.get(REDIS_URL_ENV):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but redis-server was not found")
        pytest.skip(f"redis-server not found; install it or set {REDIS_URL_ENV}")
    with throwaway_redis() as url:
        yield url


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    """A client of the Redis server, emptied for this test."""
    client = Redis.from_url(redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


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
def postgres_only() -> None:
    """Marks a test that runs on PostgreSQL only (its SQLite variant is deselected)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Concurrency properties need real concurrent connections: drop their SQLite runs."""

    def sqlite_only_variant(item: pytest.Item) -> bool:
        callspec = getattr(item, "callspec", None)
        return (
            "postgres_only" in getattr(item, "fixturenames", ())
            and callspec is not None
            and callspec.params.get("database_url") == "sqlite"
        )

    dropped = [item for item in items if sqlite_only_variant(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not sqlite_only_variant(item)]


class SharedEngine(Provider):
    """Lets every app in a test reuse the session's engine instead of opening its own."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(scope=Scope.APP)
        self._engine = engine

    @provide
    def engine(self) -> AsyncEngine:
        return self._engine


def make_app(engine: AsyncEngine, *providers: Provider, media_dir: Path | None = None) -> Litestar:
    """The app on ``engine``; uploads go to ``media_dir`` (by default a fresh directory under
    the system's temporary directory, created on the first upload), never to ./media."""
    if media_dir is None:
        media_dir = Path(tempfile.gettempdir()) / f"chirp-test-media-{secrets.token_hex(8)}"
    config = AppConfig(database_url=str(engine.url), jwt_secret=TEST_SECRET, media_dir=media_dir)
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
def media_dir(tmp_path: Path) -> Path:
    """Where the ``client`` and ``clocked_client`` apps store uploads (made on first upload)."""
    return tmp_path / "media"


@pytest.fixture
async def client(engine: AsyncEngine, media_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(make_app(engine, media_dir=media_dir)) as http:
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


T = TypeVar("T")


def override(port: type[T], instance: T) -> Provider:
    """A provider that gives an app ``instance`` as its ``port`` (a clock the test controls,
    a hasher with a hook, ...), in place of the one the container would make."""
    provider = Provider(scope=Scope.APP)
    provider.provide(lambda: instance, provides=port)
    return provider


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
    async with serve(make_app(engine, override(Clock, clock), media_dir=media_dir)) as http:
        yield http


# --- Helpers for the social, upload and BOLA tests ---

TWEET_KEYS = frozenset(
    {"id", "text", "image_url", "author", "created_at", "edited_at", "like_count", "liked_by_me"}
)
USER_SUMMARY_KEYS = frozenset({"id", "username", "avatar_url"})
USER_PUBLIC_KEYS = frozenset(
    {
        *("id", "username", "first_name", "last_name", "bio", "avatar_url", "created_at"),
        *("followers_count", "following_count", "tweets_count", "followed_by_me"),
    }
)
USER_PRIVATE_KEYS = (USER_PUBLIC_KEYS - {"followed_by_me"}) | {"email", "is_admin", "last_login"}


def assert_timestamp(value: Any) -> datetime:
    """``value`` is an RFC 3339 timestamp in UTC with a ``Z`` suffix; as a datetime."""
    assert isinstance(value, str)
    assert value.endswith("Z"), value
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() is not None
    assert parsed.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    return parsed


def assert_user_summary(body: Any) -> dict[str, Any]:
    assert set(body) == USER_SUMMARY_KEYS, body
    assert isinstance(body["id"], int)
    assert isinstance(body["username"], str)
    assert body["avatar_url"] is None or isinstance(body["avatar_url"], str)
    return dict(body)


def assert_tweet(body: Any) -> dict[str, Any]:
    """``body`` is exactly a Tweet object of the contract."""
    assert set(body) == TWEET_KEYS, body
    assert isinstance(body["id"], int)
    assert isinstance(body["text"], str)
    assert body["image_url"] is None or isinstance(body["image_url"], str)
    assert_user_summary(body["author"])
    assert_timestamp(body["created_at"])
    if body["edited_at"] is not None:
        assert_timestamp(body["edited_at"])
    assert isinstance(body["like_count"], int)
    assert body["like_count"] >= 0
    assert body["liked_by_me"] in (None, True, False)
    return dict(body)


def assert_user_public(body: Any) -> dict[str, Any]:
    """``body`` is exactly a UserPublic object of the contract."""
    assert set(body) == USER_PUBLIC_KEYS, body
    assert_timestamp(body["created_at"])
    for count in ("followers_count", "following_count", "tweets_count"):
        assert isinstance(body[count], int)
    assert body["followed_by_me"] in (None, True, False)
    return dict(body)


def media_files(directory: Path) -> set[str]:
    """Every entry of a media directory, hidden or not (none when it was never made)."""
    return {entry.name for entry in directory.iterdir()} if directory.exists() else set()


def media_name(url: str) -> str:
    """The stored file's name in an ``image_url`` or ``avatar_url``."""
    assert url.startswith("http://testserver/media/"), url
    return url.rsplit("/", 1)[1]


def mint_access_token(
    user_id: int, session_id: int, *, is_admin: bool = False, ttl: int = 600
) -> str:
    """A valid access token, as the app would issue it (lasting ``ttl`` seconds)."""
    now = int(datetime.now(UTC).timestamp())
    claims = {
        "iss": "chirp",
        "sub": str(user_id),
        "sid": str(session_id),
        "adm": is_admin,
        "iat": now,
        "exp": now + ttl,
        "jti": secrets.token_urlsafe(16),
    }
    return forge_access_token(claims)


_PASSWORD_HASH: list[str] = []


def password_hash() -> str:
    """An argon2id hash of PASSWORD, computed once (so inserted users can log in)."""
    if not _PASSWORD_HASH:
        from argon2 import PasswordHasher, Type  # noqa: PLC0415

        hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
        _PASSWORD_HASH.append(hasher.hash(PASSWORD))
    return _PASSWORD_HASH[0]


async def insert_users(engine: AsyncEngine, *usernames: str, admin: bool = False) -> list[Account]:
    """Accounts written straight into the database, each with a live session and an access
    token: no argon2 per user and no registration throttle, for tests that need many users.
    Their password is PASSWORD. ``user`` holds only ``id`` and ``username``."""
    now = datetime.now(UTC)
    rows = [
        {
            "username": name,
            "username_canonical": name.lower(),
            "email": f"{name}@example.com",
            "email_canonical": f"{name.lower()}@example.com",
            "password_hash": password_hash(),
            "is_admin": admin,
            "created_at": now,
        }
        for name in usernames
    ]
    async with engine.begin() as connection:
        await connection.execute(users_table.insert(), rows)
        found = await connection.execute(
            select(users_table.c.username, users_table.c.id).where(
                users_table.c.username.in_(usernames)
            )
        )
        ids = {row.username: row.id for row in found}
        await connection.execute(
            sessions_table.insert(),
            [{"user_id": ids[name], "created_at": now} for name in usernames],
        )
        found = await connection.execute(
            select(sessions_table.c.user_id, sessions_table.c.id).where(
                sessions_table.c.user_id.in_(ids.values())
            )
        )
        session_ids = {row.user_id: row.id for row in found}
    return [
        Account(
            name,
            f"{name}@example.com",
            PASSWORD,
            {"id": ids[name], "username": name},
            {"access_token": mint_access_token(ids[name], session_ids[ids[name]], is_admin=admin)},
        )
        for name in usernames
    ]


def next_link(response: httpx.Response) -> str | None:
    """The target of the response's RFC 8288 ``Link: <...>; rel="next"``, if any."""
    header = response.headers.get("link")
    if header is None:
        return None
    match = re.fullmatch(r'<([^>]+)>;\s*rel="next"', header.strip())
    assert match, header
    return match.group(1)


# Uploaded files are stored under random names: 22 URL-safe characters and the real type.
STORED_NAME = re.compile(r"[A-Za-z0-9_-]{22}\.(?:jpg|png|gif|webp)")


async def upload(
    client: httpx.AsyncClient,
    target: str,
    account: Account,
    data: bytes,
    filename: str = "upload.bin",
    content_type: str = "application/octet-stream",
) -> httpx.Response:
    """POST /tweets (image only) or PUT /me/avatar with ``data`` as the ``image`` file."""
    files = {"image": (filename, data, content_type)}
    if target == "tweet":
        return await client.post("/api/v1/tweets", files=files, headers=account.auth)
    return await client.put("/api/v1/me/avatar", files=files, headers=account.auth)
