"""Bookmarks through the API, on both databases: private, idempotent, newest first."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem, assert_unauthorized
from tests.support.contract import assert_tweet


async def post(client: httpx.AsyncClient, author: Account, text: str = "hello") -> int:
    response = await client.post(f"{API}/tweets", json={"text": text}, headers=author.auth)
    assert response.status_code == 201, response.text
    tweet_id: int = response.json()["id"]
    return tweet_id


async def bookmark(
    client: httpx.AsyncClient, who: Account, tweet_id: int, *, remove: bool = False
) -> Any:
    method = client.delete if remove else client.post
    response = await method(f"{API}/tweets/{tweet_id}/bookmark", headers=who.auth)
    assert response.status_code == 200, response.text
    return response.json()


async def bookmarked(client: httpx.AsyncClient, who: Account, **params: Any) -> Any:
    response = await client.get(f"{API}/me/bookmarks", headers=who.auth, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_bookmarks_are_idempotent_private_and_newest_first(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, ben = await insert_users(engine, "ann", "ben")
    first, second, own = await post(client, ben), await post(client, ben), await post(client, ann)

    for tweet_id in (first, second, first, own):
        assert await bookmark(client, ann, tweet_id) == {"bookmarked": True}

    page = await bookmarked(client, ann)
    assert [assert_tweet(t)["id"] for t in page["items"]] == [own, second, first]
    assert all(t["bookmarked_by_me"] is True for t in page["items"])
    assert (await bookmarked(client, ben))["items"] == []
    seen_by_ben = (await client.get(f"{API}/tweets/{first}", headers=ben.auth)).json()
    assert seen_by_ben["bookmarked_by_me"] is False
    anonymous = (await client.get(f"{API}/tweets/{first}")).json()
    assert anonymous["bookmarked_by_me"] is None

    for _ in range(2):
        assert await bookmark(client, ann, second, remove=True) == {"bookmarked": False}
    assert [t["id"] for t in (await bookmarked(client, ann))["items"]] == [own, first]
    seen = (await client.get(f"{API}/tweets/{second}", headers=ann.auth)).json()
    assert seen["bookmarked_by_me"] is False


async def test_bookmarks_page_without_repeats_or_gaps_while_more_are_added(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (ann,) = await insert_users(engine, "ann")
    tweets = [await post(client, ann, f"t{i}") for i in range(7)]
    for tweet_id in tweets[:5]:
        await bookmark(client, ann, tweet_id)

    seen: list[int] = []
    page = await bookmarked(client, ann, limit=2)
    while True:
        seen += [t["id"] for t in page["items"]]
        if page["next_cursor"] is None:
            break
        # Bookmarks made while paging are newer: they never show on the later pages.
        await bookmark(client, ann, tweets[5 + len(seen) % 2])
        page = await bookmarked(client, ann, limit=2, cursor=page["next_cursor"])
    assert seen == tweets[:5][::-1]


async def test_bookmarking_needs_a_tweet_and_a_token_and_a_deleted_tweet_leaves_the_list(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, ben = await insert_users(engine, "ann", "ben")
    for method in ("POST", "DELETE"):
        response = await client.request(method, f"{API}/tweets/999999/bookmark", headers=ann.auth)
        assert_problem(response, 404, "tweet_not_found")
        assert_unauthorized(await client.request(method, f"{API}/tweets/1/bookmark"))
    assert_unauthorized(await client.get(f"{API}/me/bookmarks"))
    assert_problem(
        await client.get(f"{API}/me/bookmarks", params={"cursor": "x"}, headers=ann.auth),
        400,
        "invalid_cursor",
    )
    tweet_id = await post(client, ben)
    await bookmark(client, ann, tweet_id)
    assert (await client.delete(f"{API}/tweets/{tweet_id}", headers=ben.auth)).status_code == 204
    assert (await bookmarked(client, ann))["items"] == []


async def test_a_block_refuses_a_bookmark_both_ways(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, ben = await insert_users(engine, "ann", "ben")
    bens, anns = await post(client, ben), await post(client, ann)
    await bookmark(client, ann, bens)
    assert (await client.post(f"{API}/users/ann/block", headers=ben.auth)).status_code == 204

    refused = await client.post(f"{API}/tweets/{bens}/bookmark", headers=ann.auth)
    assert_problem(refused, 403, "blocked")
    refused = await client.post(f"{API}/tweets/{anns}/bookmark", headers=ben.auth)
    assert_problem(refused, 403, "blocked")
    assert (await bookmarked(client, ann))["items"] == []  # hidden, not removed
    assert await bookmark(client, ann, bens, remove=True) == {"bookmarked": False}
