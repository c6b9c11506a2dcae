"""The write rate limit (``writes_per_user_per_hour``): every authenticated write under
/api/v1 but /auth/* counts, 4xx included; the RateLimit headers say what is left; past the
limit a 429 with Retry-After that is not counted itself; replays are not writes."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem
from tests.support.doubles import ManualClock
from tests.support.settings import store_settings

TWEETS = f"{API}/tweets"
HOUR = 3600


def limit_state(response: httpx.Response) -> tuple[int, int]:
    """``r`` and ``t`` of the response's RateLimit header, after checking its policy."""
    policy = re.fullmatch(r'"writes";q=(\d+);w=3600', response.headers["ratelimit-policy"])
    assert policy, response.headers["ratelimit-policy"]
    state = re.fullmatch(r'"writes";r=(\d+);t=(\d+)', response.headers["ratelimit"])
    assert state, response.headers["ratelimit"]
    return int(state.group(1)), int(state.group(2))


async def tweet(client: httpx.AsyncClient, account: Account, **headers: str) -> httpx.Response:
    return await client.post(TWEETS, json={"text": "hi"}, headers={**account.auth, **headers})


async def test_every_write_carries_the_policy_and_what_is_left_4xx_included(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await store_settings(engine, writes_per_user_per_hour=10)
    (alice,) = await insert_users(engine, "alice")

    posted = await tweet(client, alice)
    too_long = await client.post(TWEETS, json={"text": "x" * 300}, headers=alice.auth)
    missing = await client.delete(f"{TWEETS}/999999", headers=alice.auth)
    liked = await client.post(f"{TWEETS}/{posted.json()['id']}/like", headers=alice.auth)
    profile = await client.patch(f"{API}/me", json={"bio": "hello"}, headers=alice.auth)

    assert posted.status_code == 201
    assert posted.headers["ratelimit-policy"] == '"writes";q=10;w=3600'
    assert limit_state(posted) == (9, 0)
    assert_problem(too_long, 400)
    assert limit_state(too_long) == (8, 0)
    assert_problem(missing, 404)
    assert limit_state(missing) == (7, 0)
    assert limit_state(liked) == (6, 0)
    assert profile.status_code == 200
    assert limit_state(profile) == (5, 0)


async def test_reads_auth_endpoints_and_anonymous_calls_are_not_counted(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await store_settings(engine, writes_per_user_per_hour=10)
    (alice,) = await insert_users(engine, "alice")

    read = await client.get(f"{API}/me", headers=alice.auth)
    logout_all = await client.post(f"{API}/auth/logout-all", headers=alice.auth)
    anonymous = await client.post(TWEETS, json={"text": "hi"})

    assert read.status_code == 200
    assert logout_all.status_code == 204
    assert_problem(anonymous, 401)
    for response in (read, logout_all, anonymous):
        assert "ratelimit" not in response.headers
        assert "ratelimit-policy" not in response.headers


async def test_past_the_limit_a_write_is_refused_with_retry_after_and_changes_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await store_settings(engine, writes_per_user_per_hour=3)
    alice, bob = await insert_users(engine, "alice", "bob")

    allowed = [await tweet(client, alice) for _ in range(3)]
    refused = await tweet(client, alice)
    others = await tweet(client, bob)

    assert [r.status_code for r in allowed] == [201, 201, 201]
    assert [limit_state(r)[0] for r in allowed] == [2, 1, 0]
    _, reset = limit_state(allowed[-1])
    assert 0 < reset <= HOUR  # none left: t is when the oldest write leaves the hour
    assert_problem(refused, 429, "too_many_requests")
    assert 1 <= int(refused.headers["retry-after"]) <= HOUR
    feed = await client.get(f"{API}/users/alice/tweets", headers=bob.auth)
    assert len(feed.json()["items"]) == 3
    assert others.status_code == 201  # the limit is per user
    assert limit_state(others) == (2, 0)


async def test_a_429_is_not_counted(
    clocked_client: httpx.AsyncClient, engine: AsyncEngine, clock: ManualClock
) -> None:
    await store_settings(engine, writes_per_user_per_hour=2)
    (alice,) = await insert_users(engine, "alice")
    assert [(await tweet(clocked_client, alice)).status_code for _ in range(2)] == [201, 201]

    clock.advance(timedelta(minutes=30))
    refused = [await tweet(clocked_client, alice) for _ in range(3)]
    clock.advance(timedelta(minutes=30, seconds=1))  # the first two leave the hour
    again = [await tweet(clocked_client, alice) for _ in range(2)]

    for response in refused:
        assert_problem(response, 429, "too_many_requests")
        assert int(response.headers["retry-after"]) == 30 * 60
    # Had the refusals counted, they would still fill the hour.
    assert [r.status_code for r in again] == [201, 201]
    assert [limit_state(r)[0] for r in again] == [1, 0]


async def test_an_idempotent_replay_is_not_counted(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await store_settings(engine, writes_per_user_per_hour=3)
    (alice,) = await insert_users(engine, "alice")

    first = await tweet(client, alice, **{"Idempotency-Key": "once"})
    replays = [await tweet(client, alice, **{"Idempotency-Key": "once"}) for _ in range(4)]
    second = await tweet(client, alice)

    assert limit_state(first) == (2, 0)
    for replay in replays:
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.status_code == 201
    assert second.status_code == 201
    assert limit_state(second) == (1, 0)


async def test_no_headers_and_no_limit_while_the_limit_is_0(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await store_settings(engine, writes_per_user_per_hour=0)
    (alice,) = await insert_users(engine, "alice")

    responses = [await tweet(client, alice) for _ in range(5)]

    assert [r.status_code for r in responses] == [201] * 5
    for response in responses:
        assert "ratelimit" not in response.headers
        assert "ratelimit-policy" not in response.headers
