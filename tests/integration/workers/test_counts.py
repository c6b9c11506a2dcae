"""Counts without hot rows: exact once the workers have folded the changes, whatever the
concurrency; ``chirp repair counts`` finds and corrects a count that drifted."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from application.derived.fold_counts import RepairCounts
from application.ports.counts import CountDrift
from tests.support.accounts import insert_users
from tests.support.api import API
from tests.support.chirp_process import CHIRP, chirp_env
from tests.support.jobs import drain


async def profile(client: httpx.AsyncClient, username: str) -> dict[str, int]:
    body = (await client.get(f"{API}/users/{username}")).json()
    return {key: body[key] for key in ("followers_count", "following_count", "tweets_count")}


async def repair(app: Litestar) -> list[CountDrift]:
    async with app.state.dishka_container() as scope:
        return await (await scope.get(RepairCounts))()


async def test_200_likes_and_50_unlikes_at_once_count_exactly(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (author,) = await insert_users(engine, "author")
    likers = await insert_users(engine, *(f"l{n:03}" for n in range(200)))
    tweet = (await client.post(f"{API}/tweets", json={"text": "t"}, headers=author.auth)).json()
    url = f"{API}/tweets/{tweet['id']}/like"

    liked = await asyncio.gather(*(client.post(url, headers=u.auth) for u in likers))
    assert {r.status_code for r in liked} == {200}
    # Each response counts its own like (and any other already committed).
    assert all(r.json() == {"liked": True, "like_count": r.json()["like_count"]} for r in liked)
    assert min(r.json()["like_count"] for r in liked) >= 1
    unliked = await asyncio.gather(*(client.delete(url, headers=u.auth) for u in likers[:50]))
    assert {r.status_code for r in unliked} == {200}

    await drain(app)
    got = (await client.get(f"{API}/tweets/{tweet['id']}")).json()
    assert got["like_count"] == 150
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT count(*) FROM likes"))
        assert rows.scalar_one() == 150
    assert await repair(app) == []


async def test_100_follows_at_once_count_exactly_and_repair_corrects_a_drift(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (star,) = await insert_users(engine, "star")
    fans = await insert_users(engine, *(f"fan{n:03}" for n in range(100)))
    await client.post(f"{API}/tweets", json={"text": "t"}, headers=star.auth)

    followed = await asyncio.gather(
        *(client.post(f"{API}/users/star/follow", headers=fan.auth) for fan in fans)
    )
    assert {r.status_code for r in followed} == {204}
    await drain(app)

    assert await profile(client, "star") == {
        "followers_count": 100,
        "following_count": 0,
        "tweets_count": 1,
    }
    assert await profile(client, "fan042") == {
        "followers_count": 0,
        "following_count": 1,
        "tweets_count": 0,
    }
    assert await repair(app) == []
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE users SET followers_count = 7 WHERE username = 'star'")
        )
    assert await repair(app) == [
        CountDrift("users.followers_count", star.user["id"], stored=7, actual=100)
    ]
    assert (await profile(client, "star"))["followers_count"] == 100


async def test_chirp_repair_counts_lists_what_it_corrected(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    env = chirp_env(tmp_path, engine.url.render_as_string(hide_password=False))
    (ann,) = await insert_users(engine, "ann")
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE users SET tweets_count = 3"))

    async def repair_counts() -> bytes:
        process = await asyncio.create_subprocess_exec(
            CHIRP, "repair", "counts", env=env, stdout=asyncio.subprocess.PIPE
        )
        output, _ = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0
        return output

    assert (
        await repair_counts()
        == (
            f"chirp: users.tweets_count of {ann.user['id']} was 3, its rows say 0: corrected\n"
            "chirp: 1 count(s) corrected\n"
        ).encode()
    )
    assert await repair_counts() == b"chirp: every count is right\n"
