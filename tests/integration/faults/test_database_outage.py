"""With the database gone, the API says 503 (never 500) and /health stays up."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from dishka import Provider, Scope
from sqlalchemy import bindparam, event, literal, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.database import Database
from adapters.sql.engine import create_engine
from adapters.sql.statements import ReadQuery, WriteStatement
from adapters.sql.tables import users
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.errors import DependencyUnavailable
from application.ports.health import DatabaseHealth
from devservers.ports import free_port
from entrypoints.config import AppConfig
from entrypoints.http.app import create_app
from tests.support.accounts import insert_users
from tests.support.api import API, PASSWORD, assert_problem
from tests.support.app import TEST_SECRET, make_app, serve


@pytest.fixture
def unreachable_url(engine: AsyncEngine) -> str:
    """A URL of the backend under test where no database answers."""
    if engine.dialect.name == "sqlite":
        return "sqlite+aiosqlite:////nonexistent-directory/chirp.db"
    return engine.url.set(port=free_port()).render_as_string(hide_password=False)


async def test_unreachable_database_gives_503_problems(unreachable_url: str) -> None:
    app = create_app(AppConfig(database_url=unreachable_url, jwt_secret=TEST_SECRET))
    async with serve(app) as client:
        assert (await client.get("/health")).status_code == 200

        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.headers["content-type"].startswith("application/problem+json")

        login = await client.post(
            "/api/v1/auth/login", json={"username": "alice", "password": PASSWORD}
        )
        assert login.status_code == 503
        assert login.json()["code"] == "service_unavailable"
        assert login.headers["content-type"].startswith("application/problem+json")
        assert "Traceback" not in login.text


class BrokenHealth(DatabaseHealth):
    async def is_ready(self) -> bool:
        raise RuntimeError("SELECT password_hash FROM users -- secret")


async def test_an_unexpected_error_is_a_bare_500_problem(engine: AsyncEngine) -> None:
    """The last line of defence: a problem document with no trace, SQL or secret."""
    broken = Provider(scope=Scope.APP)
    broken.provide(BrokenHealth, provides=DatabaseHealth)
    async with serve(make_app(engine, broken)) as client:
        response = await client.get("/health/ready")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "internal_error"
    assert "SELECT" not in response.text
    assert "secret" not in response.text


async def test_a_connection_closed_as_soon_as_made_is_an_outage(
    engine: AsyncEngine, postgres_only: None
) -> None:
    """A server shutting down may close the pool's replacement for a dead connection too:
    that is a database outage (a 503), not the pool's bare "This connection is closed"."""
    closing = create_engine(engine.url.render_as_string(hide_password=False))

    def close_at_once(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.driver_connection.terminate()

    event.listen(closing.sync_engine, "connect", close_at_once)
    database = Database(closing)
    uow = SqlUnitOfWork(database)
    touch = WriteStatement(update(users).where(users.c.id == bindparam("key")))
    try:
        with pytest.raises(DependencyUnavailable):
            await database.reads.first(ReadQuery(select(literal(1))))
        with pytest.raises(DependencyUnavailable):
            await uow.execute(touch, key=1)
    finally:
        await uow.close()
        await database.close()
        await closing.dispose()


# What a PostgreSQL backend sends an idle client as the server shuts down, before it closes.
ADMIN_SHUTDOWN = b"SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0\0"


class ShutdownProxy:
    """A TCP proxy in front of PostgreSQL that can make every connection through it receive
    a backend's shutdown message (FATAL 57P01) while the end of its stream is still to
    come, as a client may see them when the server shuts down: the stream ends once the
    client sends anything more."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._clients: list[asyncio.StreamWriter] = []
        self._cut: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    async def __aenter__(self) -> ShutdownProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        self._server.close()
        for client in self._clients:
            client.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def shut_down_backends(self) -> None:
        """Sends the message on every open connection, and returns once the clients' event
        loop (this one) has had the turns to read it."""
        message = b"E" + (len(ADMIN_SHUTDOWN) + 4).to_bytes(4, "big") + ADMIN_SHUTDOWN
        for client in self._clients:
            if client not in self._cut and not client.is_closing():
                self._cut.add(client)
                client.write(message)
                await client.drain()
        for _ in range(5):  # the socket is readable now; the loop reads it in its next turn
            await asyncio.sleep(0)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        self._clients.append(writer)
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink, writer))
            self._tasks.add(task)

    async def _pipe(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, client: asyncio.StreamWriter
    ) -> None:
        try:
            while data := await source.read(65536):
                if client in self._cut:  # the backend is gone: its stream ends
                    client.close()
                    break
                sink.write(data)
                await sink.drain()
        except ConnectionError:
            pass
        finally:
            sink.close()


async def test_a_connection_told_the_server_is_shutting_down_is_replaced_after_a_503(
    engine: AsyncEngine, postgres_only: None, tmp_path: Path
) -> None:
    """The server's FATAL "terminating connection" has reached a kept connection, the end
    of its stream not yet: using it fails inside asyncpg ("cannot switch to state 12";
    another operation is in progress). That is the outage it is (503), never a 500, and the
    connection is discarded: the next requests get working ones."""
    (account,) = await insert_users(engine, "reader")
    assert engine.url.host is not None
    assert engine.url.port is not None
    async with ShutdownProxy(engine.url.host, engine.url.port) as proxy:
        url = engine.url.set(port=proxy.port).render_as_string(hide_password=False)
        config = AppConfig(database_url=url, jwt_secret=TEST_SECRET, media_dir=tmp_path / "m")
        async with serve(create_app(config)) as client:
            profile = f"{API}/users/reader"
            post = (f"{API}/tweets", {"json": {"text": "hi"}, "headers": account.auth})
            assert (await client.get(profile)).status_code == 200  # a kept read connection
            assert (await client.post(post[0], **post[1])).status_code == 201  # a pooled one

            await proxy.shut_down_backends()
            read = await client.get(profile)
            write = await client.post(post[0], **post[1])

            assert_problem(read, 503, "service_unavailable")
            assert_problem(write, 503, "service_unavailable")
            assert (await client.get(profile)).status_code == 200
            assert (await client.post(post[0], **post[1])).status_code == 201
