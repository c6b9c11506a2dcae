"""A block, checked on every GET route the app has (its route table), both ways.

The table below says what each route does across a block; a route missing from it fails
the first test, so a new list cannot forget blocks. Every route that must hide the other
account is read before the block too, and must show it then: the world holds the other
account on each of those lists, so the check after the block cannot pass by being empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import API, Account
from tests.support.routes import route_table

HIDES, FORBIDDEN, NOT_FOUND, UNRELATED = "hides", "403 blocked", "404", "unrelated"
TAG, WORD = "blocktag", "zebraword"

# path -> what reading it shows the viewer across a block: for each set of path values
# ("other": the other account's name, "third": a third account's; "other_tweet" /
# "third_tweet"; the tag) and query, the expected effect.
EXPECTED: dict[str, list[tuple[dict[str, str], dict[str, str], str]]] = {
    "/feed": [({}, {}, HIDES)],
    "/users/{username:str}/tweets": [
        ({"username": "other"}, {}, FORBIDDEN),
        ({"username": "third"}, {"include_reposts": "true"}, HIDES),
    ],
    "/users/{username:str}/followers": [
        ({"username": "other"}, {}, FORBIDDEN),
        ({"username": "third"}, {}, HIDES),
    ],
    "/users/{username:str}/following": [
        ({"username": "other"}, {}, FORBIDDEN),
        ({"username": "third"}, {}, HIDES),
    ],
    "/tweets/{tweet_id:int}": [
        ({"tweet_id": "other_tweet"}, {}, NOT_FOUND),
        ({"tweet_id": "third_quote"}, {}, HIDES),
    ],
    "/tweets/{tweet_id:int}/history": [({"tweet_id": "other_tweet"}, {}, NOT_FOUND)],
    **{
        f"/tweets/{{tweet_id:int}}/{part}": [
            ({"tweet_id": "other_tweet"}, {}, NOT_FOUND),
            ({"tweet_id": "third_tweet"}, {}, HIDES),
        ]
        for part in ("likes", "reposts", "replies", "quotes", "context")
    },
    "/tags/{tag:str}/tweets": [({"tag": TAG}, {}, HIDES)],
    "/me/bookmarks": [({}, {}, HIDES)],
    "/notifications": [({}, {}, HIDES)],
    "/search/tweets": [({}, {"q": WORD}, HIDES)],
    # The profile stays visible across a block (with ``blocking`` / ``blocked_by``), and so
    # it does where profiles are found; the other lists are the viewer's own or hold no
    # other account's tweets.
    "/users/{username:str}": [({"username": "other"}, {}, UNRELATED)],
    "/search/users": [({}, {"q": "oth"}, UNRELATED)],
    "/users/relationships": [({}, {"usernames": "other"}, UNRELATED)],
    "/users/active": [({}, {}, UNRELATED)],
    "/users": [({}, {}, UNRELATED)],
    "/tags/trending": [({}, {}, UNRELATED)],
    "/me": [({}, {}, UNRELATED)],
    "/me/blocks": [({}, {}, UNRELATED)],
    "/me/mutes": [({}, {}, UNRELATED)],
    "/notifications/unread-count": [({}, {}, UNRELATED)],
    "/admin/settings": [({}, {}, UNRELATED)],
}

PARAMETER = re.compile(r"\{(\w+):\w+\}")


@dataclass
class World:
    client: httpx.AsyncClient
    viewer: Account
    other: Account
    third: Account
    tweets: dict[str, int]

    def url(self, path: str, values: dict[str, str]) -> str:
        names = {"other": self.other.username, "third": self.third.username}

        def value(match: re.Match[str]) -> str:
            given = values[match.group(1)]
            return names.get(given) or str(self.tweets.get(given, given))

        return API + PARAMETER.sub(value, path)

    async def read(self, path: str, values: dict[str, str], query: dict[str, str]) -> Any:
        return await self.client.get(self.url(path, values), params=query, headers=self.viewer.auth)


async def ok(response: Any) -> Any:
    result: httpx.Response = await response
    assert result.status_code in (200, 201, 204), result.text
    return result.json() if result.content else None


async def build(client: httpx.AsyncClient, engine: AsyncEngine) -> World:
    viewer, other, third = await insert_users(engine, "vera", "otto", "tess")

    async def post(who: Account, text: str, **fields: int) -> int:
        body = await ok(
            client.post(f"{API}/tweets", json={"text": text, **fields}, headers=who.auth)
        )
        tweet_id: int = body["id"]
        return tweet_id

    async def act(who: Account, method: str, path: str) -> None:
        await ok(client.request(method, f"{API}{path}", headers=who.auth))

    for who, whom in ((viewer, "tess"), (viewer, "otto"), (other, "tess"), (third, "otto")):
        await act(who, "POST", f"/users/{whom}/follow")
    await act(third, "POST", "/users/vera/follow")
    third_tweet = await post(third, f"tess says #{TAG} {WORD}")
    other_tweet = await post(other, f"otto says #{TAG} {WORD}")
    await post(other, f"otto replies #{TAG} {WORD}", in_reply_to_id=third_tweet)
    await post(other, f"otto quotes #{TAG} {WORD}", quoted_tweet_id=third_tweet)
    await post(third, "tess replies", in_reply_to_id=third_tweet)
    await post(third, "tess quotes herself", quoted_tweet_id=third_tweet)
    third_quote = await post(third, "tess quotes otto", quoted_tweet_id=other_tweet)
    for who in (other, viewer):
        await act(who, "POST", f"/tweets/{third_tweet}/like")
        await act(who, "POST", f"/tweets/{third_tweet}/repost")
    await act(third, "POST", f"/tweets/{other_tweet}/repost")
    for tweet_id in (third_tweet, other_tweet):
        await act(viewer, "POST", f"/tweets/{tweet_id}/bookmark")
    viewer_tweet = await post(viewer, "vera says")
    for who in (other, third):
        await act(who, "POST", f"/tweets/{viewer_tweet}/like")
    tweets = {"third_tweet": third_tweet, "other_tweet": other_tweet, "third_quote": third_quote}
    return World(client, viewer, other, third, tweets)


def mentions_of(body: Any, username: str) -> Iterator[Any]:
    """Every object in ``body`` that is the account, or a tweet by it or reposted by it."""
    if isinstance(body, dict):
        if body.get("username") == username:
            yield body
        for value in body.values():
            yield from mentions_of(value, username)
    elif isinstance(body, list):
        for value in body:
            yield from mentions_of(value, username)


def cases() -> Iterator[tuple[str, dict[str, str], dict[str, str], str]]:
    for path, expected in EXPECTED.items():
        for values, query, effect in expected:
            yield path, values, query, effect


async def test_every_get_route_says_what_a_block_does_to_it(app: Litestar) -> None:
    gets = {
        path.removeprefix(API)
        for method, path in route_table(app)
        if method == "GET" and path.startswith(f"{API}/")
    }
    assert gets == set(EXPECTED), gets ^ set(EXPECTED)


@pytest.mark.parametrize("blocker", ["viewer", "other"])
async def test_a_block_hides_the_other_account_on_every_list_both_ways(
    client: httpx.AsyncClient, engine: AsyncEngine, blocker: str
) -> None:
    world = await build(client, engine)
    hiding = [case for case in cases() if case[3] != UNRELATED]
    for path, values, query, effect in hiding:
        response = await world.read(path, values, query)
        assert response.status_code == 200, (path, values, response.text)
        if effect == HIDES:
            assert list(mentions_of(response.json(), "otto")), (path, values, response.text)

    blocking, blocked = (world.viewer, "otto") if blocker == "viewer" else (world.other, "vera")
    await ok(client.post(f"{API}/users/{blocked}/block", headers=blocking.auth))

    for path, values, query, effect in hiding:
        response = await world.read(path, values, query)
        if effect == FORBIDDEN:
            assert response.status_code == 403, (path, values, response.text)
            assert response.json()["code"] == "blocked"
        elif effect == NOT_FOUND:
            assert response.status_code == 404, (path, values, response.text)
            assert response.json()["code"] == "tweet_not_found"
        else:
            assert response.status_code == 200, (path, values, response.text)
            body = response.json()
            assert not list(mentions_of(body, "otto")), (path, values, body)
            items = body.get("items") or body.get("descendants") or [body]
            assert items, (path, values, body)  # what else the list holds is still there
