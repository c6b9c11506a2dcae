"""Keyset pagination of every paged list: limit bounds and default, next_cursor and the Link
header, walking every page, and pages that neither repeat nor skip while items are added."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem, error_fields, next_link
from tests.support.contract import assert_tweet, assert_user_summary
from tests.support.jobs import drain

USER_FIELDS = {"id", "username", "email", "first_name", "last_name", "bio", "avatar_url"}


@dataclass
class Listing:
    """One paged list, its items so far (newest first), and how to add newer ones."""

    client: httpx.AsyncClient
    engine: AsyncEngine
    url: str
    headers: dict[str, str] | None
    expected: list[int] = field(default_factory=list)
    add: Callable[[int], Awaitable[None]] | None = None
    serial: int = 0
    ordered: bool = True  # False: the contract names no order (likers)

    async def new_users(self, count: int) -> list[Account]:
        names = [f"u{self.serial + i:03}" for i in range(count)]
        self.serial += count
        return await insert_users(self.engine, *names)

    async def tweet(self, author: Account) -> None:
        response = await self.client.post(
            f"{API}/tweets", json={"text": f"tweet {self.serial}"}, headers=author.auth
        )
        assert response.status_code == 201, response.text
        self.serial += 1
        self.expected.insert(0, response.json()["id"])


async def feed(app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine) -> Listing:
    reader, friend, stranger = await insert_users(engine, "reader", "friend", "stranger")
    assert (await client.post(f"{API}/users/friend/follow", headers=reader.auth)).status_code == 204
    listing = Listing(client, engine, f"{API}/feed", reader.auth)

    async def add(count: int) -> None:
        for i in range(count):
            await listing.tweet((reader, friend)[i % 2])
        response = await client.post(f"{API}/tweets", json={"text": "x"}, headers=stranger.auth)
        assert response.status_code == 201  # never in the reader's feed
        await drain(app)  # the friend's tweets reach the reader's feed through the workers

    listing.add = add
    return listing


async def user_tweets(app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine) -> Listing:
    author, other = await insert_users(engine, "author", "other")
    listing = Listing(client, engine, f"{API}/users/AUTHOR/tweets", None)

    async def add(count: int) -> None:
        for _ in range(count):
            await listing.tweet(author)
        await client.post(f"{API}/tweets", json={"text": "not listed"}, headers=other.auth)

    listing.add = add
    return listing


async def followers(app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine) -> Listing:
    (star,) = await insert_users(engine, "star")
    listing = Listing(client, engine, f"{API}/users/star/followers", star.auth)

    async def add(count: int) -> None:
        for fan in await listing.new_users(count):
            response = await client.post(f"{API}/users/star/follow", headers=fan.auth)
            assert response.status_code == 204
            listing.expected.insert(0, fan.user["id"])

    listing.add = add
    return listing


async def following(app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine) -> Listing:
    (fan,) = await insert_users(engine, "fan")
    listing = Listing(client, engine, f"{API}/users/fan/following", None)

    async def add(count: int) -> None:
        for star in await listing.new_users(count):
            response = await client.post(f"{API}/users/{star.username}/follow", headers=fan.auth)
            assert response.status_code == 204
            listing.expected.insert(0, star.user["id"])

    listing.add = add
    return listing


async def likers(app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine) -> Listing:
    (author,) = await insert_users(engine, "author")
    created = await client.post(f"{API}/tweets", json={"text": "like me"}, headers=author.auth)
    tweet_id = created.json()["id"]
    listing = Listing(client, engine, f"{API}/tweets/{tweet_id}/likes", None, ordered=False)

    async def add(count: int) -> None:
        for fan in await listing.new_users(count):
            response = await client.post(f"{API}/tweets/{tweet_id}/like", headers=fan.auth)
            assert response.status_code == 200
            listing.expected.insert(0, fan.user["id"])

    listing.add = add
    return listing


async def admin_users(app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine) -> Listing:
    (admin,) = await insert_users(engine, "admin", admin=True)
    listing = Listing(client, engine, f"{API}/users", admin.auth, expected=[admin.user["id"]])

    async def add(count: int) -> None:
        for account in await listing.new_users(count):
            listing.expected.insert(0, account.user["id"])

    listing.add = add
    return listing


LISTS: dict[str, Callable[[Litestar, httpx.AsyncClient, AsyncEngine], Awaitable[Listing]]] = {
    "feed": feed,
    "user-tweets": user_tweets,
    "followers": followers,
    "following": following,
    "likers": likers,
    "admin-users": admin_users,
}


def check_item(kind: str, item: dict[str, Any]) -> None:
    if kind in ("feed", "user-tweets"):
        assert_tweet(item)
    elif kind == "admin-users":
        assert set(item) >= USER_FIELDS
    else:
        assert_user_summary(item)


async def fetch(listing: Listing, url: str, params: dict[str, Any]) -> httpx.Response:
    # (httpx replaces a URL's own query with ``params``, even an empty one.)
    response = await listing.client.get(url, params=params or None, headers=listing.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "next_cursor"}
    return response


async def walk(
    listing: Listing, kind: str, limit: int | None, between_pages: Callable[[], Awaitable[None]]
) -> tuple[list[int], list[int]]:
    """Every page from the first, following the Link header; (ids in order, page sizes)."""
    params = {} if limit is None else {"limit": limit}
    response = await fetch(listing, listing.url, params)
    ids: list[int] = []
    sizes: list[int] = []
    while True:
        body = response.json()
        for item in body["items"]:
            check_item(kind, item)
        ids += [item["id"] for item in body["items"]]
        sizes.append(len(body["items"]))
        link = next_link(response)
        if body["next_cursor"] is None:
            assert link is None
            return ids, sizes
        assert isinstance(body["next_cursor"], str)
        assert link is not None
        await between_pages()
        # The Link target is this request with the cursor: the same page as asking for it.
        by_cursor = await fetch(listing, listing.url, {**params, "cursor": body["next_cursor"]})
        response = await fetch(listing, link, {})
        assert response.json() == by_cursor.json()
        assert next_link(response) == next_link(by_cursor)


async def nothing() -> None:
    return None


@pytest.mark.parametrize("kind", LISTS)
async def test_walking_every_page_yields_each_item_once(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine, kind: str
) -> None:
    listing = await LISTS[kind](app, client, engine)
    assert listing.add is not None
    await listing.add(21)
    expected = list(listing.expected)
    assert len(expected) >= 21

    for limit, sizes in (
        (None, [20, len(expected) - 20]),  # default 20
        (100, [len(expected)]),
        (len(expected), [len(expected)]),  # exactly full, and the last page
        (7, [7] * (len(expected) // 7) + ([len(expected) % 7] if len(expected) % 7 else [])),
        (1, [1] * len(expected)),
    ):
        ids, page_sizes = await walk(listing, kind, limit, nothing)
        assert page_sizes == sizes, limit
        assert len(set(ids)) == len(ids)
        if listing.ordered:
            assert ids == expected
        else:
            assert sorted(ids) == sorted(expected)


@pytest.mark.parametrize("kind", LISTS)
async def test_an_exactly_full_last_page_has_no_next_cursor(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine, kind: str
) -> None:
    listing = await LISTS[kind](app, client, engine)
    assert listing.add is not None
    await listing.add(4 - len(listing.expected))

    first = await fetch(listing, listing.url, {"limit": 2})
    second = await fetch(listing, listing.url, {"limit": 2, "cursor": first.json()["next_cursor"]})

    assert len(second.json()["items"]) == 2
    assert second.json()["next_cursor"] is None
    assert "link" not in second.headers
    empty = await fetch(listing, listing.url, {"limit": 4})
    assert (len(empty.json()["items"]), empty.json()["next_cursor"]) == (4, None)


@pytest.mark.parametrize("kind", LISTS)
async def test_items_added_while_paging_neither_repeat_nor_skip(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine, kind: str
) -> None:
    listing = await LISTS[kind](app, client, engine)
    assert listing.add is not None
    await listing.add(7)
    original = list(listing.expected)
    add = listing.add

    async def others_add_more() -> None:
        await add(2)

    ids, sizes = await walk(listing, kind, 3, others_add_more)

    assert len(set(ids)) == len(ids)
    if listing.ordered:
        assert ids == original
    else:
        # No order is promised for likers; every original item still comes exactly once.
        assert set(original) <= set(ids)
    assert sizes[0] == 3


BAD_LIMITS = ["0", "101", "-1", "abc", ""]
BAD_CURSORS = [
    "not-a-cursor",
    "!!!",
    base64.urlsafe_b64encode(b"k1:abc").decode(),
    base64.urlsafe_b64encode(b"k1:-5").decode(),
    base64.urlsafe_b64encode(b"v9:12").decode(),
    base64.urlsafe_b64encode(b"k1:99999999999999999999999").decode(),
]


@pytest.mark.parametrize("kind", LISTS)
async def test_a_bad_limit_or_cursor_is_a_400(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine, kind: str
) -> None:
    listing = await LISTS[kind](app, client, engine)

    for limit in BAD_LIMITS:
        response = await client.get(listing.url, params={"limit": limit}, headers=listing.headers)
        assert error_fields(assert_problem(response, 400, "validation_error")) == {"limit"}, limit
    for cursor in BAD_CURSORS:
        response = await client.get(listing.url, params={"cursor": cursor}, headers=listing.headers)
        assert_problem(response, 400, "invalid_cursor")


async def test_a_long_garbage_cursor_is_an_invalid_cursor(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await insert_users(engine, "alice")

    response = await client.get(f"{API}/users/alice/tweets", params={"cursor": "A" * 201})

    assert_problem(response, 400, "invalid_cursor")


async def test_a_bad_cursor_is_refused_before_anything_is_looked_up(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"{API}/users/nobody/tweets", params={"cursor": "not-a-cursor"})

    assert_problem(response, 400, "invalid_cursor")


async def test_the_link_header_keeps_the_query_and_points_at_this_server(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    listing = await user_tweets(app, client, engine)
    assert listing.add is not None
    await listing.add(3)

    first = await client.get(listing.url, params={"limit": 2})

    link = next_link(first)
    assert link is not None
    assert link.startswith(f"http://testserver{API}/users/AUTHOR/tweets?")
    assert "limit=2" in link
    assert f"cursor={first.json()['next_cursor']}" in link
    response = await client.get(link)
    assert [item["id"] for item in response.json()["items"]] == listing.expected[2:]
