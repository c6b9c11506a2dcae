"""A deactivated account's access tokens are refused before they expire (issue 11, item 5):
reads and writes, on the instance that deactivated it at once, on any other within its
refresh interval for reads and at once for writes, and after a restart."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.deactivation_cache import DEACTIVATIONS_MAX_AGE
from application.ports.clock import Clock
from tests.support.accounts import register_admin
from tests.support.api import API, Account, assert_unauthorized, login, register
from tests.support.app import make_app, serve
from tests.support.doubles import ManualClock
from tests.support.jobs import settle
from tests.support.wiring import override

Request = Callable[[httpx.AsyncClient, Account, int], Awaitable[httpx.Response]]

# What alice's token asks for; ``tweet`` is her own tweet, bob's is the next id.
REQUESTS: dict[str, Request] = {
    "GET /me": lambda c, a, tweet: c.get(f"{API}/me", headers=a.auth),
    "GET /feed": lambda c, a, tweet: c.get(f"{API}/feed", headers=a.auth),
    "GET /tweets/{id}": lambda c, a, tweet: c.get(f"{API}/tweets/{tweet}", headers=a.auth),
    "POST /tweets": lambda c, a, tweet: c.post(
        f"{API}/tweets", json={"text": "still here"}, headers=a.auth
    ),
    "PATCH /tweets/{id}": lambda c, a, tweet: c.patch(
        f"{API}/tweets/{tweet}", json={"text": "edited"}, headers=a.auth
    ),
    "DELETE /tweets/{id}": lambda c, a, tweet: c.delete(f"{API}/tweets/{tweet}", headers=a.auth),
    "POST like": lambda c, a, tweet: c.post(f"{API}/tweets/{tweet + 1}/like", headers=a.auth),
    "DELETE like": lambda c, a, tweet: c.delete(f"{API}/tweets/{tweet + 1}/like", headers=a.auth),
    "POST follow": lambda c, a, tweet: c.post(f"{API}/users/bob/follow", headers=a.auth),
    "DELETE follow": lambda c, a, tweet: c.delete(f"{API}/users/bob/follow", headers=a.auth),
    "PATCH /me": lambda c, a, tweet: c.patch(f"{API}/me", json={"bio": "x"}, headers=a.auth),
    "POST /auth/logout-all": lambda c, a, tweet: c.post(f"{API}/auth/logout-all", headers=a.auth),
}


async def post(client: httpx.AsyncClient, author: Account, text: str) -> int:
    response = await client.post(f"{API}/tweets", json={"text": text}, headers=author.auth)
    assert response.status_code == 201, response.text
    tweet_id: int = response.json()["id"]
    return tweet_id


async def set_active(
    client: httpx.AsyncClient, admin: Account, username: str, active: bool
) -> None:
    response = await client.patch(
        f"{API}/users/{username}", json={"is_active": active}, headers=admin.auth
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("request_name", list(REQUESTS))
async def test_every_request_with_a_deactivated_accounts_token_is_refused(
    client: httpx.AsyncClient, engine: AsyncEngine, request_name: str
) -> None:
    alice = await register(client, "alice")
    bob = await register(client, "bob")
    admin = await register_admin(client, engine)
    tweet = await post(client, alice, "mine")
    assert await post(client, bob, "bob's") == tweet + 1
    send = REQUESTS[request_name]

    await set_active(client, admin, "alice", False)
    response = await send(client, alice, tweet)

    assert_unauthorized(response, "invalid_token")
    # Nothing was written: her tweet is as it was, bob's has no like, nobody is followed.
    await settle(engine)
    shown = await client.get(f"{API}/tweets/{tweet}")
    assert shown.json()["text"] == "mine"
    assert (await client.get(f"{API}/tweets/{tweet + 1}")).json()["like_count"] == 0
    assert (await client.get(f"{API}/users/bob")).json()["followers_count"] == 0
    assert (await client.get(f"{API}/users/alice")).json()["tweets_count"] == 1


async def test_reactivation_lets_new_logins_in_but_not_the_old_tokens(
    engine: AsyncEngine,
) -> None:
    # Token times are whole seconds: the deactivation comes a second after the old token.
    # (The clock starts in the past: PyJWT refuses a token issued after the real now.)
    clock = ManualClock(datetime.now(UTC) - timedelta(seconds=2))
    async with serve(make_app(engine, override(Clock, clock))) as client:
        alice = await register(client, "alice")
        admin = await register_admin(client, engine)
        clock.advance(seconds=1)
        await set_active(client, admin, "alice", False)
        await set_active(client, admin, "alice", True)

        logged_in = await login(client, username="alice")
        assert logged_in.status_code == 200, logged_in.text
        fresh = Account(alice.username, alice.email, alice.password, alice.user, logged_in.json())

        assert (await client.get(f"{API}/feed", headers=fresh.auth)).status_code == 200
        assert await post(client, fresh, "back") > 0
        # Her token from before the deactivation belongs to a session it revoked.
        old = await client.get(f"{API}/feed", headers=alice.auth)
        assert_unauthorized(old, "invalid_token")


async def test_another_instance_refuses_writes_at_once_and_reads_within_its_refresh(
    engine: AsyncEngine,
) -> None:
    # The second instance's clock moves only when told: its copy of the deactivations is
    # reloaded when the test says so.
    clock = ManualClock(datetime.now(UTC))
    async with (
        serve(make_app(engine)) as first,
        serve(make_app(engine, override(Clock, clock))) as second,
    ):
        alice = await register(first, "alice")
        admin = await register_admin(first, engine)
        feed = f"{API}/feed"
        assert (await second.get(feed, headers=alice.auth)).status_code == 200  # cached

        await set_active(first, admin, "alice", False)

        assert_unauthorized(await first.get(feed, headers=alice.auth), "invalid_token")
        # The second instance has not reloaded yet: a read may still pass, a write may not.
        assert (await second.get(feed, headers=alice.auth)).status_code == 200
        posted = await second.post(f"{API}/tweets", json={"text": "hi"}, headers=alice.auth)
        assert_unauthorized(posted, "invalid_token")

        clock.advance(DEACTIVATIONS_MAX_AGE)

        assert_unauthorized(await second.get(feed, headers=alice.auth), "invalid_token")

    # A restarted instance knows it from the database.
    async with serve(make_app(engine)) as restarted:
        assert_unauthorized(await restarted.get(feed, headers=alice.auth), "invalid_token")
