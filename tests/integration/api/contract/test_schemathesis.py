"""Schemathesis against the app's own OpenAPI schema: every operation, every check, every phase.

The app runs as an operator runs it (``chirp serve``, a real port) on the test database, and
the Schemathesis command line runs against /schema/openapi.json three times: anonymous, as a
user and as an administrator, with a fixed seed. Any failure fails the test with the report.
Rules the schema cannot state (a confirmed password, not following oneself, ...) are taught
to the generator in ``tests/support/schemathesis_hooks.py``; no check is excluded.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import make_admin
from tests.support.api import API, bearer, login, register
from tests.support.chirp_process import chirp_env, chirp_serve
from tests.support.image_samples import png_bytes

ROOT = Path(__file__).resolve().parents[4]
BIN = Path(sys.executable).parent
SEED = 20260101
MAX_EXAMPLES = 10  # per operation and phase; measured: about 30 s per database for all three
RUN_TIMEOUT = 300
DAY = 86400


@pytest.fixture
def server(engine: AsyncEngine, tmp_path: Path) -> Iterator[str]:
    """``chirp serve`` on the emptied test database; its base URL."""
    env = chirp_env(tmp_path, engine.url.render_as_string(hide_password=False))
    with chirp_serve(env, tmp_path / "server.log") as served:
        yield served.url


async def long_lived_token(http: httpx.AsyncClient, username: str) -> str:
    """An access token that outlives the run (the TTL setting reaches logins within 5 s)."""
    deadline = time.monotonic() + 10
    while True:
        response = await login(http, username=username)
        assert response.status_code == 200, response.text
        tokens = response.json()
        if tokens["expires_in"] == DAY:
            return str(tokens["access_token"])
        assert time.monotonic() < deadline, tokens
        await asyncio.sleep(0.5)


async def schemathesis(
    base: str, tmp_path: Path, name: str, *options: str, **env: str
) -> str | None:
    """Run the Schemathesis CLI as ``name``: None if it passed, else its report."""
    process = await asyncio.create_subprocess_exec(
        str(BIN / "schemathesis"),
        "run",
        f"{base}/schema/openapi.json",
        "--checks=all",
        "--phases=examples,coverage,fuzzing,stateful",
        f"--seed={SEED}",
        f"--max-examples={MAX_EXAMPLES}",
        "--workers=1",
        "--continue-on-failure",
        "--generation-database=none",
        "--request-timeout=30",
        "--no-color",
        *options,
        cwd=tmp_path,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
            "SCHEMATHESIS_HOOKS": "tests.support.schemathesis_hooks",
            **env,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), RUN_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"schemathesis as {name} did not finish in {RUN_TIMEOUT} s")
    report = output.decode(errors="replace")
    (tmp_path / f"schemathesis-{name.replace(' ', '-')}.log").write_text(report)
    if process.returncode == 0:
        # How much was tested, for ``pytest -rP`` (or -s).
        counts = [line.strip(" =") for line in report.splitlines() if " generated" in line]
        print(f"schemathesis as {name}: {'; '.join(counts)}; {report.strip().splitlines()[-1]}")
        return None
    return f"schemathesis as {name} failed:\n{report}"


async def test_schemathesis_finds_no_failure(
    server: str, engine: AsyncEngine, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        await register(http, "alice")
        await register(http, "root")
        # An image nobody in the runs can delete (only its author or an admin might, and the
        # admin run goes last), so that GET /media/{name} is also tried with a stored name.
        carol = await register(http, "carol")
        response = await http.post(
            f"{API}/tweets",
            files={"image": ("i.png", png_bytes(8, 8), "image/png")},
            headers=carol.auth,
        )
        assert response.status_code == 201, response.text
        media_name = str(response.json()["image_url"]).rsplit("/", 1)[1]
        await make_admin(engine, "root")
        response = await login(http, username="root")
        assert response.status_code == 200, response.text
        # Tokens that outlive the run; no throttling of the many registrations, logins, uploads,
        # writes.
        settings = {
            "access_token_ttl_seconds": DAY,
            "registrations_per_address_per_hour": 0,
            "login_failures_per_account": 0,
            "login_failures_per_address": 0,
            "uploads_per_user_per_hour": 0,
            "writes_per_user_per_hour": 0,
        }
        response = await http.patch(
            f"{API}/admin/settings", json=settings, headers=bearer(response.json()["access_token"])
        )
        assert response.status_code == 200, response.text
        user_token = await long_lived_token(http, "alice")
        admin_token = await long_lived_token(http, "root")

    failures = [await schemathesis(server, tmp_path, "anonymous", CHIRP_ST_MEDIA_NAME=media_name)]
    failures.append(
        await schemathesis(
            server,
            tmp_path,
            "a user",
            f"--header=Authorization: Bearer {user_token}",
            CHIRP_ST_USERNAME="alice",
            CHIRP_ST_OTHER_USERNAME="root",
            CHIRP_ST_MEDIA_NAME=media_name,
        )
    )
    failures.append(
        await schemathesis(
            server,
            tmp_path,
            "an administrator",
            f"--header=Authorization: Bearer {admin_token}",
            CHIRP_ST_USERNAME="root",
            CHIRP_ST_OTHER_USERNAME="alice",
            CHIRP_ST_MEDIA_NAME=media_name,
        )
    )
    reports = [report for report in failures if report is not None]
    assert not reports, "\n\n".join(reports)
