"""Likes and follows under real concurrency (PostgreSQL): counts stay exact, nothing fails."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import API, Account


async def all_ids(client: httpx.AsyncClient, url: str) -> list[int]:
    """Every item's id over every page (100 a page)."""
    ids: list[int] = []
    params: dict[str, str | int] = {"limit": 100}
    while True:
        response = await client.get(url, params=params)
        assert response.status_code == 200, response.text
        ids += [item["id"] for item in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return ids
        params["cursor"] = cursor


async def post_tweet(client: httpx.AsyncClient, author: Account) -> int:
    response = await client.post(f"{API}/tweets", json={"text": "race"}, headers=author.auth)
    assert response.status_code == 201
    tweet_id: int = response.json()["id"]
    return tweet_id


async def test_200_users_like_one_tweet_at_once(
    client: httpx.AsyncClient, engine: AsyncEngine, postgres_only: None
) -> None:
    (author,) = await insert_users(engine, "author")
    fans = await insert_users(engine, *(f"fan{i:03}" for i in range(200)))
    tweet_id = await post_tweet(client, author)

    responses = await asyncio.gather(
        *(client.post(f"{API}/tweets/{tweet_id}/like", headers=fan.auth) for fan in fans)
    )

    assert Counter(r.status_code for r in responses) == {200: 200}
    counts = [r.json()["like_count"] for r in responses]
    assert all(r.json()["liked"] is True for r in responses)
    # Each counts its own like and those committed before it (likes no longer wait for
    # each other on the tweet's row, so the last may not see one committing with it).
    assert all(1 <= count <= 200 for count in counts)
    assert (await client.get(f"{API}/tweets/{tweet_id}")).json()["like_count"] == 200
    likers = await all_ids(client, f"{API}/tweets/{tweet_id}/likes")
    assert sorted(likers) == sorted(fan.user["id"] for fan in fans)


async def test_one_user_liking_50_times_at_once_counts_once(
    client: httpx.AsyncClient, engine: AsyncEngine, postgres_only: None
) -> None:
    author, fan = await insert_users(engine, "author", "fan")
    tweet_id = await post_tweet(client, author)
    url = f"{API}/tweets/{tweet_id}/like"

    likes = await asyncio.gather(*(client.post(url, headers=fan.auth) for _ in range(50)))

    assert Counter(r.status_code for r in likes) == {200: 50}
    assert {(r.json()["liked"], r.json()["like_count"]) for r in likes} == {(True, 1)}
    fetched = (await client.get(f"{API}/tweets/{tweet_id}", headers=fan.auth)).json()
    assert (fetched["like_count"], fetched["liked_by_me"]) == (1, True)
    assert await all_ids(client, f"{API}/tweets/{tweet_id}/likes") == [fan.user["id"]]

    unlikes = await asyncio.gather(*(client.delete(url, headers=fan.auth) for _ in range(50)))

    assert Counter(r.status_code for r in unlikes) == {200: 50}
    assert {(r.json()["liked"], r.json()["like_count"]) for r in unlikes} == {(False, 0)}
    assert (await client.get(f"{API}/tweets/{tweet_id}")).json()["like_count"] == 0


async def test_likes_and_unlikes_racing_keep_the_count_exact(
    client: httpx.AsyncClient, engine: AsyncEngine, postgres_only: None
) -> None:
    (author,) = await insert_users(engine, "author")
    fans = await insert_users(engine, *(f"fan{i:03}" for i in range(60)))
    tweet_id = await post_tweet(client, author)
    url = f"{API}/tweets/{tweet_id}/like"
    for fan in fans[:30]:
        assert (await client.post(url, headers=fan.auth)).status_code == 200

    # The first 30 take their likes back while the other 30 like, each twice.
    responses = await asyncio.gather(
        *(client.delete(url, headers=fan.auth) for fan in fans[:30] for _ in range(2)),
        *(client.post(url, headers=fan.auth) for fan in fans[30:] for _ in range(2)),
    )

    assert Counter(r.status_code for r in responses) == {200: 120}
    assert (await client.get(f"{API}/tweets/{tweet_id}")).json()["like_count"] == 30
    likers = await all_ids(client, f"{API}/tweets/{tweet_id}/likes")
    assert sorted(likers) == sorted(fan.user["id"] for fan in fans[30:])


async def test_concurrent_follows_keep_counts_exact(
    client: httpx.AsyncClient, engine: AsyncEngine, postgres_only: None
) -> None:
    _, *fans = await insert_users(engine, "star", *(f"fan{i:02}" for i in range(50)))

    # 50 users follow at once, and the first of them 20 more times on top.
    responses = await asyncio.gather(
        *(client.post(f"{API}/users/star/follow", headers=fan.auth) for fan in fans),
        *(client.post(f"{API}/users/STAR/follow", headers=fans[0].auth) for _ in range(20)),
    )

    assert Counter(r.status_code for r in responses) == {204: 70}
    profile = (await client.get(f"{API}/users/star")).json()
    assert (profile["followers_count"], profile["following_count"]) == (50, 0)
    assert (await client.get(f"{API}/users/fan00")).json()["following_count"] == 1
    followers = await all_ids(client, f"{API}/users/star/followers")
    assert sorted(followers) == sorted(fan.user["id"] for fan in fans)


async def test_two_users_following_each_other_at_once_do_not_deadlock(
    client: httpx.AsyncClient, engine: AsyncEngine, postgres_only: None
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")

    for _ in range(10):
        responses = await asyncio.gather(
            *(client.post(f"{API}/users/bob/follow", headers=alice.auth) for _ in range(5)),
            *(client.post(f"{API}/users/alice/follow", headers=bob.auth) for _ in range(5)),
        )
        assert Counter(r.status_code for r in responses) == {204: 10}
        responses = await asyncio.gather(
            *(client.delete(f"{API}/users/bob/follow", headers=alice.auth) for _ in range(5)),
            *(client.delete(f"{API}/users/alice/follow", headers=bob.auth) for _ in range(5)),
        )
        assert Counter(r.status_code for r in responses) == {204: 10}

    for name in ("alice", "bob"):
        profile = (await client.get(f"{API}/users/{name}")).json()
        assert (profile["followers_count"], profile["following_count"]) == (0, 0)
