"""The chirp command as an operator runs it: a real process, a real port."""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import os
import re
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from devservers.ports import free_port
from tests.support.api import PASSWORD
from tests.support.app import TEST_SECRET
from tests.support.chirp_process import CHIRP, wait_until_answering


@pytest.fixture
def chirp_env(engine: AsyncEngine, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CHIRP_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "CHIRP_JWT_SECRET": TEST_SECRET.decode(),
        "CHIRP_DATA_DIR": str(tmp_path / "data"),
    }


def chirp(
    env: dict[str, str], *args: str, stdin: str | None = "", cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``chirp *args``; ``stdin=None``: standard input is /dev/null (not a terminal)."""
    return subprocess.run(
        [CHIRP, *args],
        env=env,
        cwd=cwd,
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        start_new_session=True,  # no controlling terminal: getpass cannot reach one
    )


def json_lines(stderr: str) -> list[dict[str, object]]:
    """Every line of ``stderr``, each of which must be one JSON object."""
    entries = []
    for line in stderr.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            pytest.fail(f"not a JSON log line: {line!r}")
        assert isinstance(entry, dict), line
        entries.append(entry)
    return entries


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
    entries = json_lines(result.stderr)
    assert any(entry["logger"] == "alembic.runtime.migration" for entry in entries)

    engine = create_async_engine(empty_database_url)
    async with engine.connect() as connection:
        tables = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    await engine.dispose()
    # The job queue: pgqueuer's tables on PostgreSQL, Chirp's own on SQLite.
    queue = (
        {"pgqueuer", "pgqueuer_log", "pgqueuer_schedules", "pgqueuer_statistics"}
        if empty_database_url.startswith("postgresql")
        else {"jobs"}
    )
    # The search index: FTS5's own tables beside it on SQLite.
    search = {"tweet_search"} | (
        set()
        if empty_database_url.startswith("postgresql")
        else {f"tweet_search_{part}" for part in ("data", "idx", "content", "docsize", "config")}
    )
    assert tables == {
        *("users", "sessions", "refresh_tokens", "settings", "alembic_version"),
        *("tweets", "likes", "follows", "timeline_entries", "timeline_horizons"),
        *("count_changes", "idempotency_keys", "media", "tweet_versions"),
        *("tweet_mentions", "tweet_hashtags", "tag_uses", "reposts"),
        *("blocks", "mutes", "bookmarks", "notifications", "notification_marks"),
        *search,
        *queue,
    }
    assert (await asyncio.to_thread(chirp, env, "db", "upgrade")).returncode == 0  # idempotent


def test_createsuperuser_then_serve_and_log_in(chirp_env: dict[str, str]) -> None:
    """Also: two workers without Redis warn; a second serve on the port is refused; every
    line the server writes on standard error is a JSON object."""
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
    env = {key: value for key, value in chirp_env.items() if key != "CHIRP_REDIS_URL"}
    server = subprocess.Popen(
        [CHIRP, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            wait_until_answering(http, "/health/ready", server)
            second = chirp(env, "serve", "--port", str(port))
            assert second.returncode == 2, second.stderr
            assert second.stderr.splitlines() == [
                f"chirp serve: cannot listen on 127.0.0.1:{port}: Address already in use"
            ]
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
        stdout, stderr = server.communicate(timeout=10)
    assert stdout == ""
    entries = json_lines(stderr)
    assert any(entry["logger"] == "alembic.runtime.migration" for entry in entries)
    assert any(str(entry["logger"]).startswith("_granian") for entry in entries)
    warnings = [entry for entry in entries if entry["level"] == "WARNING"]
    assert len(warnings) == 1, warnings
    assert warnings[0]["workers"] == 2
    assert str(warnings[0]["message"]).startswith("CHIRP_REDIS_URL is not set")


@pytest.fixture
def offline_env(tmp_path: Path) -> dict[str, str]:
    """An environment for commands that fail or finish before using a database."""
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith("CHIRP_")},
        "CHIRP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chirp.db'}",
        "CHIRP_JWT_SECRET": TEST_SECRET.decode(),
        "CHIRP_DATA_DIR": str(tmp_path / "data"),
    }


def test_bad_arguments_and_configuration_are_one_line_and_status_2(
    offline_env: dict[str, str],
) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    in_use = str(taken.getsockname()[1])
    cases: list[tuple[dict[str, str], tuple[str, ...]]] = [
        (offline_env, ("serve", "--workers", "0")),
        (offline_env, ("serve", "--port", "80999")),
        (offline_env, ("serve", "--host", "nonsense")),
        (offline_env, ("serve", "--host", "203.0.113.1")),  # not this machine's
        (offline_env, ("serve", "--port", in_use)),
        (offline_env, ("createsuperuser", "--username", "admin", "--email", "a@example.com")),
        (offline_env, ("frobnicate",)),
        ({**offline_env, "CHIRP_DATABASE_URL": "postgres:/nowhere"}, ("db", "upgrade")),
        ({**offline_env, "CHIRP_DATABASE_URL": "sqlite:///chirp.db"}, ("db", "upgrade")),
        ({**offline_env, "CHIRP_JWT_SECRET": "too-short"}, ("db", "upgrade")),
    ]
    with taken, ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda case: chirp(case[0], *case[1], stdin=None), cases))
    for (_, args), result in zip(cases, results, strict=True):
        assert result.returncode == 2, (args, result.stderr)
        assert len(result.stderr.splitlines()) == 1, (args, result.stderr)
        assert result.stderr.startswith("chirp"), (args, result.stderr)
        assert "Traceback" not in result.stderr, args
    assert not (Path(offline_env["CHIRP_DATA_DIR"]).parent / "chirp.db").exists()


def test_version_and_serve_help(offline_env: dict[str, str]) -> None:
    version = chirp(offline_env, "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"chirp {importlib.metadata.version('chirp')}"

    help_text = " ".join(chirp(offline_env, "serve", "--help").stdout.split())
    for option, default in (("--host", "127.0.0.1"), ("--port", "8000"), ("--workers", "1")):
        assert re.search(rf"{option} \S+ [^-]+\(default: {re.escape(default)}\)", help_text), (
            option,
            help_text,
        )


def test_the_working_directorys_dotenv_is_read_and_no_other(
    offline_env: dict[str, str], tmp_path: Path
) -> None:
    """``./.env`` supplies what the environment does not set; a parent's ``.env`` is unused."""
    env = {key: value for key, value in offline_env.items() if key != "CHIRP_DATABASE_URL"}
    (tmp_path / ".env").write_text(
        f"CHIRP_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'parent.db'}\n"
    )
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    (work / ".env").write_text(
        f"CHIRP_DATABASE_URL=sqlite+aiosqlite:///{work / 'here.db'}\n"
        "CHIRP_JWT_SECRET=too-short\n"  # the environment's own secret wins
    )

    in_work = chirp(env, "db", "upgrade", cwd=work)
    assert in_work.returncode == 0, in_work.stderr
    assert (work / "here.db").exists()
    assert not (work / "chirp.db").exists()

    below = chirp(env, "db", "upgrade", cwd=work / "sub")
    assert below.returncode == 0, below.stderr
    assert (work / "sub" / "chirp.db").exists()  # the default, ./chirp.db
    assert not (tmp_path / "parent.db").exists()
