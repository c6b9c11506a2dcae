"""``mentions`` and ``hashtags`` on every Tweet: stored with a post, recomputed by an edit,
gone with the tweet."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import API, Account
from tests.support.contract import assert_tweet


async def post(client: httpx.AsyncClient, author: Account, body: str) -> dict[str, Any]:
    response = await client.post(f"{API}/tweets", json={"text": body}, headers=author.auth)
    assert response.status_code == 201, response.text
    return assert_tweet(response.json())


def entities(tweet: dict[str, Any]) -> tuple[list[str], list[str]]:
    return [user["username"] for user in tweet["mentions"]], tweet["hashtags"]


async def stored(engine: AsyncEngine, table: str) -> list[tuple[Any, ...]]:
    async with engine.connect() as connection:
        query = text(f"SELECT * FROM {table} ORDER BY tweet_id, position")  # noqa: S608
        return [tuple(row) for row in (await connection.execute(query)).all()]


async def test_every_read_of_a_tweet_lists_its_mentions_and_hashtags_in_order(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob, carol = await insert_users(engine, "alice", "Bob", "carol")
    posted = await post(client, alice, "@CAROL, @bob and @nobody: #\uff30ython #straße #python")

    expected = (["carol", "Bob"], ["python", "strasse"])
    assert entities(posted) == expected
    assert posted["mentions"][1]["id"] == bob.user["id"]
    one = assert_tweet((await client.get(f"{API}/tweets/{posted['id']}")).json())
    listed = (await client.get(f"{API}/users/alice/tweets", headers=carol.auth)).json()
    feed = (await client.get(f"{API}/feed", headers=alice.auth)).json()
    assert entities(one) == expected
    assert [entities(assert_tweet(t)) for t in listed["items"]] == [expected]
    assert [entities(assert_tweet(t)) for t in feed["items"]] == [expected]
    assert await stored(engine, "tweet_mentions") == [
        (posted["id"], 0, carol.user["id"]),
        (posted["id"], 1, bob.user["id"]),
    ]
    assert await stored(engine, "tweet_hashtags") == [
        (posted["id"], 0, "python"),
        (posted["id"], 1, "strasse"),
    ]


async def test_a_deactivated_account_is_not_mentioned(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, _bob = await insert_users(engine, "alice", "bob")
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE users SET is_active = false WHERE username = 'bob'"))

    posted = await post(client, alice, "@bob @alice")

    assert entities(posted) == (["alice"], [])


async def test_an_edit_replaces_them(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    alice, _bob, carol = await insert_users(engine, "alice", "bob", "carol")
    posted = await post(client, alice, "@bob #old #keep")

    response = await client.patch(
        f"{API}/tweets/{posted['id']}", json={"text": "#keep @carol #new"}, headers=alice.auth
    )

    assert response.status_code == 200, response.text
    assert entities(assert_tweet(response.json())) == (["carol"], ["keep", "new"])
    read = (await client.get(f"{API}/tweets/{posted['id']}")).json()
    assert entities(read) == (["carol"], ["keep", "new"])
    assert await stored(engine, "tweet_mentions") == [(posted["id"], 0, carol.user["id"])]
    cleared = await client.patch(
        f"{API}/tweets/{posted['id']}", json={"text": "plain"}, headers=alice.auth
    )
    assert entities(cleared.json()) == ([], [])
    assert entities((await client.get(f"{API}/tweets/{posted['id']}")).json()) == ([], [])
    assert await stored(engine, "tweet_hashtags") == []


async def test_a_deleted_tweet_takes_them_along(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, _bob = await insert_users(engine, "alice", "bob")
    posted = await post(client, alice, "@bob #gone")

    response = await client.delete(f"{API}/tweets/{posted['id']}", headers=alice.auth)

    assert response.status_code == 204
    assert await stored(engine, "tweet_mentions") == []
    assert await stored(engine, "tweet_hashtags") == []
