"""With the database gone, the API says 503 (never 500) and /health stays up."""

from __future__ import annotations

from typing import Any

import pytest
from dishka import Provider, Scope
from sqlalchemy import event, literal, select
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from adapters.sql.driver_statements import ReadConnections, ReadQuery
from adapters.sql.engine import create_engine
from application.ports.health import DatabaseHealth
from entrypoints.config import AppConfig
from entrypoints.http.app import create_app
from tests.integration.conftest import PASSWORD, TEST_SECRET, make_app, serve
from tests.integration.test_cli import free_port


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
    reads = ReadConnections(closing)
    try:
        with pytest.raises(DisconnectionError):
            await reads.first(ReadQuery(select(literal(1))))
        async with AsyncSession(closing) as session:
            with pytest.raises(ConnectionError):
                await session.execute(select(literal(1)))
    finally:
        await reads.close()
        await closing.dispose()
