from __future__ import annotations

import base64
import itertools
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from application.pagination import (
    MAX_PAGE_SIZE,
    Page,
    PageRequest,
    decode_cursor,
    encode_cursor,
    page_of,
)
from application.use_cases.build_feed import BuildFeedQuery
from application.use_cases.list_follows import ListFollowsQuery
from application.use_cases.list_likers import ListLikersQuery
from application.use_cases.list_user_tweets import ListUserTweetsQuery
from application.use_cases.list_users import ListUsersQuery
from domain.errors import InvalidCursor, ValidationError
from domain.users import User
from tests.unit.world import World, ids, walk


def b64(raw: str | bytes) -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


HUGE_DIGITS = pytest.param(
    b64("k1:" + "9" * 5000),
    id="thousands-of-digits",
)

BAD_CURSORS = [
    pytest.param("", id="empty"),
    pytest.param("not a cursor!", id="garbage"),
    pytest.param("azE6N", id="truncated"),
    pytest.param(b64("hello world"), id="base64-of-text"),
    pytest.param(b64(b"\xff\xfe\x00\x01"), id="base64-of-binary"),
    pytest.param(b64("k2:5"), id="other-prefix"),
    pytest.param(b64("5"), id="no-prefix"),
    pytest.param(b64("k1:"), id="no-key"),
    pytest.param(b64("k1:abc"), id="letters"),
    pytest.param(b64("k1:-5"), id="negative"),
    pytest.param(b64("k1:+5"), id="plus-sign"),
    pytest.param(b64("k1:0"), id="zero"),
    pytest.param(b64("k1:5.0"), id="fraction"),
    pytest.param(b64(f"k1:{2**63}"), id="beyond-bigint"),
    pytest.param(b64("k1:" + "9" * 40), id="huge"),
    HUGE_DIGITS,
]


# --- the cursor and the page, on their own ------------------------------------------------


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_cursor_not_given_out_is_invalid(cursor: str) -> None:
    with pytest.raises(InvalidCursor) as raised:
        PageRequest(cursor=cursor)

    assert raised.value.code == "invalid_cursor"


@pytest.mark.parametrize("key", [1, 42, 2**63 - 1])
def test_a_cursor_given_out_reads_back_as_its_key(key: int) -> None:
    assert PageRequest(cursor=encode_cursor(key)).before == key
    assert decode_cursor(encode_cursor(key)) == key


def test_no_cursor_means_from_the_newest() -> None:
    assert PageRequest().before is None


@pytest.mark.parametrize("limit", [0, -1, MAX_PAGE_SIZE + 1, 1000])
def test_a_limit_out_of_range_is_a_validation_error(limit: int) -> None:
    with pytest.raises(ValidationError) as raised:
        PageRequest(limit=limit)

    assert [e.field for e in raised.value.errors] == ["limit"]
    assert raised.value.code == "validation_error"


@pytest.mark.parametrize("limit", [1, 20, MAX_PAGE_SIZE])
def test_a_limit_in_range_is_accepted(limit: int) -> None:
    assert PageRequest(limit=limit).limit == limit


def test_the_default_limit_is_twenty() -> None:
    assert PageRequest().limit == 20


@pytest.mark.parametrize(
    ("rows", "limit", "items", "next_key"),
    [
        (0, 2, [], None),
        (1, 2, [9], None),
        (2, 2, [9, 8], None),
        (3, 2, [9, 8], 8),
        (2, 1, [9], 9),
    ],
)
def test_page_of_cuts_the_extra_row_and_points_past_the_last_item(
    rows: int, limit: int, items: list[int], next_key: int | None
) -> None:
    fetched = [(key, key) for key in range(9, 9 - rows, -1)]

    page = page_of(fetched, PageRequest(limit))

    assert page.items == items
    if next_key is None:
        assert page.next_cursor is None
    else:
        assert page.next_cursor is not None
        assert decode_cursor(page.next_cursor) == next_key


# --- every paged use case -----------------------------------------------------------------

Fetch = Callable[[PageRequest], Awaitable[Page[Any]]]


@dataclass
class Listing:
    """A paged listing: what it lists already, how to add one newer item, how to read a page."""

    listed: list[int]  # oldest first
    add: Callable[[], Awaitable[int]]  # the id the new item is listed under
    fetch: Fetch


_names = itertools.count(1)


async def newcomer(world: World) -> User:
    return await world.member(f"user{next(_names)}")


async def user_tweets(world: World) -> Listing:
    ann = await world.member("ann")

    async def add() -> int:
        await world.post(await newcomer(world), "someone else's")
        return (await world.post(ann, "mine")).id

    return Listing([], add, lambda p: world.list_user_tweets(ListUserTweetsQuery("ANN", p)))


async def feed(world: World) -> Listing:
    ann, ben, cat = [await world.member(name) for name in ("ann", "ben", "cat")]
    await world.follow(ann, "ben")
    authors = itertools.cycle([ann, ben])

    async def add() -> int:
        await world.post(cat, "not followed")
        posted = (await world.post(next(authors))).id
        await world.run_workers()
        return posted

    return Listing([], add, lambda p: world.build_feed(BuildFeedQuery(ann.id, p)))


async def followers(world: World) -> Listing:
    ann = await world.member("ann")

    async def add() -> int:
        fan = await newcomer(world)
        await world.follow(fan, "ann")
        await world.follow(ann, fan.username)  # the other direction is not listed
        return fan.id

    return Listing([], add, lambda p: world.list_followers(ListFollowsQuery("ann", p)))


async def following(world: World) -> Listing:
    ann = await world.member("ann")

    async def add() -> int:
        idol = await newcomer(world)
        await world.follow(ann, idol.username)
        await world.follow(idol, "ann")
        return idol.id

    return Listing([], add, lambda p: world.list_following(ListFollowsQuery("Ann", p)))


async def likers(world: World) -> Listing:
    ann = await world.member("ann")
    tweet = (await world.post(ann)).id
    other = (await world.post(ann)).id

    async def add() -> int:
        fan = await newcomer(world)
        await world.like(fan, tweet)
        await world.like(fan, other)
        return fan.id

    return Listing([], add, lambda p: world.list_likers(ListLikersQuery(tweet, p)))


async def users(world: World) -> Listing:
    admin = await world.new_admin("root")

    async def add() -> int:
        return (await newcomer(world)).id

    return Listing([admin.id], add, lambda p: world.list_users(ListUsersQuery(admin.id, p)))


LISTINGS = {
    "user-tweets": user_tweets,
    "feed": feed,
    "followers": followers,
    "following": following,
    "likers": likers,
    "users": users,
}


async def listing(world: World, name: str, items: int) -> tuple[Listing, list[int]]:
    """The listing and the ids it should show, newest first."""
    made = await LISTINGS[name](world)
    added = [await made.add() for _ in range(items)]
    return made, list(reversed(made.listed + added))


@pytest.mark.parametrize("name", LISTINGS)
@pytest.mark.parametrize(
    ("items", "limit"), [(0, 1), (1, 1), (4, 2), (5, 2), (3, 3), (6, 4), (7, 100)]
)
async def test_walking_the_pages_lists_every_item_once_newest_first(
    world: World, name: str, items: int, limit: int
) -> None:
    made, expected = await listing(world, name, items)

    pages = await walk(made.fetch, limit)

    assert [item for page in pages for item in ids(page.items)] == expected
    assert len(pages) == max(1, math.ceil(len(expected) / limit))
    assert all(len(page.items) == limit and page.next_cursor for page in pages[:-1])
    assert pages[-1].next_cursor is None


@pytest.mark.parametrize("name", LISTINGS)
async def test_an_exactly_full_last_page_has_no_next_cursor(world: World, name: str) -> None:
    made, expected = await listing(world, name, 4 - (name == "users"))

    first = await made.fetch(PageRequest(2))
    assert first.next_cursor is not None
    second = await made.fetch(PageRequest(2, first.next_cursor))

    assert ids(first.items) + ids(second.items) == expected
    assert second.next_cursor is None


@pytest.mark.parametrize("name", LISTINGS)
@pytest.mark.parametrize("limit", [1, 2, 3])
async def test_inserts_while_paging_neither_repeat_nor_skip_an_item(
    world: World, name: str, limit: int
) -> None:
    made, expected = await listing(world, name, 5)
    inserted: list[int] = []

    async def insert_two() -> None:
        inserted.extend([await made.add(), await made.add()])

    pages = await walk(made.fetch, limit, between_pages=insert_two)

    assert [item for page in pages for item in ids(page.items)] == expected
    assert inserted
    fresh = await walk(made.fetch, MAX_PAGE_SIZE)
    assert ids(fresh[0].items) == list(reversed(inserted)) + expected


@pytest.mark.parametrize("name", ["user-tweets", "feed"])
async def test_a_cursor_still_works_after_its_tweet_is_deleted(world: World, name: str) -> None:
    made, expected = await listing(world, name, 4)
    first = await made.fetch(PageRequest(1))
    author = world.stored_user(world.store.tweets[expected[0]].author_id)

    await world.delete(author, expected[0])
    second = await made.fetch(PageRequest(2, first.next_cursor))

    assert ids(second.items) == expected[1:3]


@pytest.mark.parametrize("name", LISTINGS)
@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("garbage!", id="garbage"),
        pytest.param(b64("k1:0"), id="zero"),
        pytest.param(b64(f"k1:{2**63}"), id="beyond-bigint"),
    ],
)
async def test_every_listing_refuses_an_invalid_cursor(
    world: World, name: str, cursor: str
) -> None:
    made, _ = await listing(world, name, 2)

    with pytest.raises(InvalidCursor):
        await made.fetch(PageRequest(cursor=cursor))


async def test_the_feed_refuses_a_cursor_of_thousands_of_digits(world: World) -> None:
    made, _ = await listing(world, "feed", 2)

    with pytest.raises(InvalidCursor):
        await made.fetch(PageRequest(cursor=b64("k1:" + "9" * 5000)))
