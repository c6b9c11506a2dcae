"""Workers as an operator runs them: in-process under ``chirp serve``, or ``chirp worker``
beside a ``chirp serve --no-worker``."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import Account, insert_users, post_to_a_follower
from tests.support.api import API
from tests.support.chirp_process import CHIRP, chirp_env, chirp_serve

FRESH_WITHIN = 2.0  # seconds: API.md's bound for derived data


async def in_feed(http: httpx.AsyncClient, reader: Account, tweet_id: int) -> bool:
    page = (await http.get(f"{API}/feed", headers=reader.auth)).json()
    return tweet_id in [item["id"] for item in page["items"]]


async def counted(http: httpx.AsyncClient, within: float) -> bool:
    """Whether ann's profile counts her follower and her tweet (derived by the workers)
    within ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        ann = (await http.get(f"{API}/users/ann")).json()
        if (ann["followers_count"], ann["tweets_count"]) == (1, 1):
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)


async def test_chirp_serve_does_the_derived_work_itself(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    env = chirp_env(tmp_path, engine.url.render_as_string(hide_password=False))
    ann, ben = await insert_users(engine, "ann", "ben")
    with chirp_serve(env, tmp_path / "serve.log") as served:
        async with httpx.AsyncClient(base_url=served.url) as http:
            tweet = await post_to_a_follower(http, ann, ben)
            assert await in_feed(http, ben, tweet)
            assert await counted(http, within=FRESH_WITHIN)


async def test_with_no_worker_chirp_worker_does_it(engine: AsyncEngine, tmp_path: Path) -> None:
    env = chirp_env(tmp_path, engine.url.render_as_string(hide_password=False))
    ann, ben = await insert_users(engine, "ann", "ben")
    with chirp_serve(env, tmp_path / "serve.log", "--no-worker") as served:
        async with httpx.AsyncClient(base_url=served.url) as http:
            tweet = await post_to_a_follower(http, ann, ben)
            assert await in_feed(http, ben, tweet)  # merged in when read, worker or not
            assert not await counted(http, within=1.0)
            with (tmp_path / "worker.log").open("wb") as log:
                worker = await asyncio.create_subprocess_exec(
                    CHIRP, "worker", "--concurrency", "2", env=env, stdout=log, stderr=log
                )
            try:
                done = await counted(http, within=10.0)
                assert done, (tmp_path / "worker.log").read_text()
            finally:
                worker.terminate()
                assert await asyncio.wait_for(worker.wait(), 15) == 0  # a clean stop
    retried = await asyncio.create_subprocess_exec(
        CHIRP, "worker", "--retry-failed", env=env, stdout=asyncio.subprocess.PIPE
    )
    output, _ = await asyncio.wait_for(retried.communicate(), 60)
    assert (retried.returncode, output) == (0, b"chirp: 0 parked job(s) queued again\n")
