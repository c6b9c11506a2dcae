"""GET /tags/trending: the tags used by the most distinct accounts in the last 24 hours,
then in the most tweets, then by tag; tallied by the workers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from litestar import Litestar
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.tables import tag_uses
from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem
from tests.support.jobs import drain


async def post(client: httpx.AsyncClient, author: Account, body: str) -> int:
    response = await client.post(f"{API}/tweets", json={"text": body}, headers=author.auth)
    assert response.status_code == 201, response.text
    tweet_id: int = response.json()["id"]
    return tweet_id


async def trending(
    app: Litestar, client: httpx.AsyncClient, **params: Any
) -> list[tuple[str, int, int]]:
    await drain(app)
    response = await client.get(f"{API}/tags/trending", params=params)
    assert response.status_code == 200, response.text
    for trend in response.json():
        assert set(trend) == {"tag", "tweets", "accounts"}
    return [(t["tag"], t["tweets"], t["accounts"]) for t in response.json()]


async def test_tags_rank_by_accounts_then_tweets_then_tag(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, ben, cat = await insert_users(engine, "ann", "ben", "cat")
    await post(client, ann, "#Wide #deep #b #é")
    await post(client, ben, "#wide #a")
    await post(client, cat, "#WIDE #deep")
    for _ in range(3):
        await post(client, ann, "#deep #deep")

    # Tags in code point order on both databases: "é" after "b".
    assert await trending(app, client) == [
        ("wide", 3, 3),
        ("deep", 5, 2),
        ("a", 1, 1),
        ("b", 1, 1),
        ("é", 1, 1),
    ]
    assert await trending(app, client, limit=2) == [("wide", 3, 3), ("deep", 5, 2)]


async def test_edits_deletes_and_the_window_change_the_counts(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, ben = await insert_users(engine, "ann", "ben")
    first = await post(client, ann, "#gone #stays")
    second = await post(client, ben, "#stays #old")
    edited = await client.patch(
        f"{API}/tweets/{first}", json={"text": "#stays #new"}, headers=ann.auth
    )
    assert edited.status_code == 200, edited.text
    assert await trending(app, client) == [("stays", 2, 2), ("new", 1, 1), ("old", 1, 1)]

    async with engine.begin() as connection:
        await connection.execute(
            update(tag_uses)
            .where(tag_uses.c.tweet_id == second)
            .values(used_at=datetime.now(UTC) - timedelta(hours=24, seconds=1))
        )
    assert await trending(app, client) == [("new", 1, 1), ("stays", 1, 1)]
    # The next tally forgets the uses the window left behind.
    await post(client, ann, "#later")
    assert await trending(app, client) == [("later", 1, 1), ("new", 1, 1), ("stays", 1, 1)]
    async with engine.connect() as connection:
        tweets = select(tag_uses.c.tweet_id).distinct()
        assert second not in set((await connection.execute(tweets)).scalars())

    deleted = await client.delete(f"{API}/tweets/{first}", headers=ann.auth)
    assert deleted.status_code == 204
    assert await trending(app, client) == [("later", 1, 1)]


async def test_limit_must_be_1_to_50(client: httpx.AsyncClient) -> None:
    for limit in ("0", "51", "x"):
        response = await client.get(f"{API}/tags/trending", params={"limit": limit})
        assert_problem(response, 400)
    assert (await client.get(f"{API}/tags/trending", params={"limit": "50"})).json() == []
