"""Writes racing writes that touch the same rows: no 500, no deadlock, counts stay exact.

Each test runs many rounds of real concurrent requests (every request has its own
connection); on PostgreSQL they interleave row locks, on SQLite they queue on its one
writer lock between their reads and their writes.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.tables import settings as settings_table
from adapters.sql.tables import timeline_entries, tweets
from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem

ROUNDS = {"postgresql": 30, "sqlite": 10}


async def post_tweets(client: httpx.AsyncClient, author: Account, count: int) -> list[int]:
    ids = []
    for _ in range(count):
        response = await client.post(f"{API}/tweets", json={"text": "race"}, headers=author.auth)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


async def profile(client: httpx.AsyncClient, username: str) -> dict[str, int]:
    response = await client.get(f"{API}/users/{username}")
    assert response.status_code == 200, response.text
    body = response.json()
    return {key: body[key] for key in ("followers_count", "following_count", "tweets_count")}


async def test_follows_and_unfollows_racing_deletes_of_the_followees_tweets(
    client: httpx.AsyncClient, engine: AsyncEngine, backend: str
) -> None:
    """A follow copies the followee's tweets into the follower's feed while the followee
    deletes those tweets (and an unfollow removes them): no deadlock, no foreign-key error,
    and afterwards the counts and feeds hold exactly what exists."""
    star, *fans = await insert_users(engine, "star", *(f"fan{i}" for i in range(6)))
    following = False
    for _ in range(ROUNDS[backend]):
        doomed = await post_tweets(client, star, 4)
        method = "DELETE" if following else "POST"
        responses = await asyncio.gather(
            *(client.request(method, f"{API}/users/star/follow", headers=f.auth) for f in fans),
            *(client.delete(f"{API}/tweets/{t}", headers=star.auth) for t in doomed),
        )
        assert Counter(r.status_code for r in responses) == {204: len(fans) + len(doomed)}, [
            r.text for r in responses if r.status_code != 204
        ]
        following = not following

    kept = await post_tweets(client, star, 1)
    assert await profile(client, "star") == {
        "followers_count": len(fans) if following else 0,
        "following_count": 0,
        "tweets_count": 1,
    }
    async with engine.connect() as connection:
        left = (await connection.execute(select(tweets.c.id))).scalars().all()
        entries = (
            await connection.execute(select(func.count()).select_from(timeline_entries))
        ).scalar_one()
    assert left == kept
    # The star's own feed and, if they follow, each fan's: the one tweet left.
    assert entries == 1 + (len(fans) if following else 0)


async def test_likes_and_unlikes_racing_the_tweets_deletion_are_200_or_404(
    client: httpx.AsyncClient, engine: AsyncEngine, backend: str
) -> None:
    """A like or unlike that finds its tweet gone by the time it writes is a 404
    ``tweet_not_found`` (not a foreign-key error's or a deadlock's 500)."""
    author, *fans = await insert_users(engine, "author", *(f"fan{i}" for i in range(6)))
    likers, others = fans[:3], fans[3:]
    outcomes: Counter[int] = Counter()
    for _ in range(ROUNDS[backend]):
        (tweet_id,) = await post_tweets(client, author, 1)
        like = f"{API}/tweets/{tweet_id}/like"
        for fan in likers:
            assert (await client.post(like, headers=fan.auth)).status_code == 200
        responses = await asyncio.gather(
            *(client.delete(like, headers=fan.auth) for fan in likers),
            client.delete(f"{API}/tweets/{tweet_id}", headers=author.auth),
            *(client.post(like, headers=fan.auth) for fan in others),
        )
        deleted = responses[len(likers)]
        assert deleted.status_code == 204, deleted.text
        for response in responses:
            if response is not deleted:
                outcomes[response.status_code] += 1
                if response.status_code != 200:
                    assert_problem(response, 404, "tweet_not_found")
    assert set(outcomes) <= {200, 404}, outcomes
    assert await profile(client, "author") == {
        "followers_count": 0,
        "following_count": 0,
        "tweets_count": 0,
    }


async def test_concurrent_settings_changes_all_apply(
    client: httpx.AsyncClient, engine: AsyncEngine, backend: str
) -> None:
    """Admins changing different settings at once: every change succeeds and is kept (the
    save writes only the keys it changes, so none undoes another's)."""
    (admin,) = await insert_users(engine, "root", admin=True)
    keys = {
        "access_token_ttl_seconds": 60,
        "refresh_reuse_grace_seconds": 5,
        "login_failures_per_account": 20,
        "login_failures_per_address": 200,
        "registrations_per_address_per_hour": 40,
        "uploads_per_user_per_hour": 30,
    }
    for round_ in range(ROUNDS[backend]):
        wanted = {key: value + round_ for key, value in keys.items()}
        responses = await asyncio.gather(
            *(
                client.patch(f"{API}/admin/settings", json={key: value}, headers=admin.auth)
                for key, value in wanted.items()
            )
        )
        assert Counter(r.status_code for r in responses) == {200: len(wanted)}, [
            r.text for r in responses if r.status_code != 200
        ]
        for (key, value), response in zip(wanted.items(), responses, strict=True):
            assert response.json()[key] == value
        async with engine.connect() as connection:
            stored = {
                row.key: row.value for row in await connection.execute(select(settings_table))
            }
        assert {key: int(stored[key]) for key in wanted} == wanted


async def wait_until_blocked(engine: AsyncEngine, statement: str) -> None:
    """Returns once a backend running ``statement`` waits for a lock (polling the server's
    own view of its sessions; bounded)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE wait_event_type = 'Lock' AND query LIKE :statement"
    )
    async with engine.connect() as connection:
        for _ in range(1000):
            found = await connection.scalar(query, {"statement": f"{statement}%"})
            await connection.rollback()
            if found:
                return
            await asyncio.sleep(0.01)
    raise AssertionError(f"no request blocked on {statement!r}")


@pytest.mark.parametrize(
    ("request_blocks_on", "other_holds", "other_then"),
    [
        # A tweet's deletion takes the tweet's row, then (by cascade) its likes' rows, which
        # another transaction holds and that then wants the tweet's row.
        (
            "DELETE FROM tweets",
            "SELECT id FROM likes WHERE tweet_id = :tweet FOR UPDATE",
            "UPDATE tweets SET text = 'x' WHERE id = :tweet",
        ),
    ],
    ids=["delete-tweet"],
)
async def test_a_deadlock_that_still_happens_is_a_503(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    postgres_only: None,
    request_blocks_on: str,
    other_holds: str,
    other_then: str,
) -> None:
    """Whatever another program does: if PostgreSQL breaks a deadlock by rolling the
    request's transaction back, the answer is a 503 to retry, not a 500. (The request waits
    first, so its deadlock check runs first and it is the one rolled back.)"""
    author, fan = await insert_users(engine, "author", "fan")
    (tweet_id,) = await post_tweets(client, author, 1)
    like = f"{API}/tweets/{tweet_id}/like"
    assert (await client.post(like, headers=fan.auth)).status_code == 200
    ids = {"tweet": tweet_id, "author": author.user["id"]}
    call = (
        client.delete(f"{API}/tweets/{tweet_id}", headers=author.auth)
        if request_blocks_on.endswith("tweets")
        else client.delete(like, headers=fan.auth)
    )

    async with engine.connect() as other:
        await other.execute(text(other_holds), ids)
        request = asyncio.create_task(call)
        await wait_until_blocked(engine, request_blocks_on)
        await other.execute(text(other_then), ids)  # waits until the request is rolled back
        await other.rollback()
    response = await request

    assert_problem(response, 503, "service_unavailable")
    assert "retry-after" in response.headers
    fetched = await client.get(f"{API}/tweets/{tweet_id}", headers=fan.auth)
    assert (fetched.json()["like_count"], fetched.json()["liked_by_me"]) == (1, True)
