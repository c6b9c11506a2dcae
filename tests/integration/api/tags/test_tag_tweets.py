"""GET /tags/{tag}/tweets: the tweets with a hashtag, newest first, keyset pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem
from tests.support.tweet_pages import tweet_page


async def post(client: httpx.AsyncClient, author: Account, body: str) -> int:
    response = await client.post(f"{API}/tweets", json={"text": body}, headers=author.auth)
    assert response.status_code == 201, response.text
    tweet_id: int = response.json()["id"]
    return tweet_id


async def page(
    client: httpx.AsyncClient, tag: str, who: Account | None = None, **params: Any
) -> dict[str, Any]:
    return await tweet_page(client, f"/tags/{quote(tag)}/tweets", who, **params)


async def test_pages_of_a_tag_newest_first_without_repeats_or_gaps_while_tweets_come(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    tagged = [await post(client, alice if i % 2 else bob, f"#Chirp {i} #other") for i in range(7)]
    await post(client, alice, "#chirpy is not #chirp_")
    seen: list[int] = []
    added: list[int] = []
    cursor = None
    while True:
        body = await page(client, "chirp", limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [item["id"] for item in body["items"]]
        assert all("chirp" in item["hashtags"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        added.append(await post(client, bob, "#chirp again"))

    assert seen == tagged[::-1]
    fresh = await page(client, "CHIRP", limit=100)
    assert [item["id"] for item in fresh["items"]] == added[::-1] + tagged[::-1]


async def test_the_tag_is_folded_and_the_viewer_sees_their_likes(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    tweet = await post(client, alice, "#Straße with @bob")
    assert (await client.post(f"{API}/tweets/{tweet}/like", headers=bob.auth)).status_code in (
        200,
        201,
    )

    for name in ("strasse", "STRASSE", "Straße", "\uff33traße"):
        body = await page(client, name)
        assert [item["id"] for item in body["items"]] == [tweet], name
    [mine] = (await page(client, "strasse", bob))["items"]
    [anonymous] = (await page(client, "strasse"))["items"]
    assert (mine["liked_by_me"], anonymous["liked_by_me"]) == (True, None)
    assert [user["username"] for user in mine["mentions"]] == ["bob"]
    assert mine["hashtags"] == ["strasse"]


async def test_a_name_no_hashtag_can_have_is_an_empty_page(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    [alice] = await insert_users(engine, "alice")
    await post(client, alice, "#123 #a-b #" + "x" * 51)

    for name in ("123", "a-b", "#a", "x" * 51, "a b"):
        assert await page(client, name) == {"items": [], "next_cursor": None}, name


async def test_bad_paging_parameters_are_400(client: httpx.AsyncClient) -> None:
    for params in ({"limit": "0"}, {"limit": "101"}, {"cursor": "nope"}):
        response = await client.get(f"{API}/tags/chirp/tweets", params=params)
        assert response.status_code == 400, (params, response.text)
        assert_problem(response, 400)
