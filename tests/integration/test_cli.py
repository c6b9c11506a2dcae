"""The chirp command as an operator runs it: a real process, a real port."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.integration.conftest import PASSWORD, TEST_SECRET

CHIRP = str(Path(sys.executable).parent / "chirp")


@pytest.fixture
def chirp_env(engine: AsyncEngine, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CHIRP_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "CHIRP_JWT_SECRET": TEST_SECRET.decode(),
        "CHIRP_DATA_DIR": str(tmp_path / "data"),
    }


def chirp(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CHIRP, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
async def empty_database_url(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[str]:
    """A database with no tables at all, on the backend under test."""
    if engine.dialect.name == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"chirp_fresh_{uuid.uuid4().hex[:12]}"
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text(f"CREATE DATABASE {name}"))
    yield engine.url.set(database=name).render_as_string(hide_password=False)
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))


async def test_db_upgrade_on_an_empty_database_builds_the_schema(
    empty_database_url: str, chirp_env: dict[str, str]
) -> None:
    env = {**chirp_env, "CHIRP_DATABASE_URL": empty_database_url}
    result = await asyncio.to_thread(chirp, env, "db", "upgrade")
    assert result.returncode == 0, result.stderr

    engine = create_async_engine(empty_database_url)
    async with engine.connect() as connection:
        tables = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    await engine.dispose()
    assert tables == {
        *("users", "sessions", "refresh_tokens", "settings", "alembic_version"),
        *("tweets", "likes", "follows", "timeline_entries"),
    }
    assert (await asyncio.to_thread(chirp, env, "db", "upgrade")).returncode == 0  # idempotent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_createsuperuser_then_serve_and_log_in(chirp_env: dict[str, str]) -> None:
    created = chirp(
        chirp_env,
        *("createsuperuser", "--username", "root_admin", "--email", "root@example.com"),
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr
    duplicate = chirp(
        chirp_env,
        *("createsuperuser", "--username", "ROOT_ADMIN", "--email", "x@example.com"),
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert duplicate.returncode == 1
    assert "taken" in duplicate.stderr

    port = free_port()
    server = subprocess.Popen(
        [CHIRP, "serve", "--port", str(port)],
        env=chirp_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=5) as http:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if http.get("/health/ready").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, "chirp serve exited early"
                assert time.monotonic() < deadline, "chirp serve did not become ready"
                time.sleep(0.1)
            login = http.post(
                "/api/v1/auth/login", json={"email": "ROOT@example.com", "password": PASSWORD}
            )
            assert login.status_code == 200, login.text
            token = login.json()["access_token"]
            settings = http.get(
                "/api/v1/admin/settings", headers={"Authorization": f"Bearer {token}"}
            )
            assert settings.status_code == 200
            assert settings.json()["access_token_ttl_seconds"] == 30
    finally:
        server.terminate()
        server.wait(timeout=10)
