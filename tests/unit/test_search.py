"""Searching tweets and users, on the in-memory adapters; the index kept by the workers."""

from __future__ import annotations

import pytest

from application.pagination import Page, PageRequest
from application.ports.search_index import SearchIndex
from application.ports.tweet_reader import TweetView
from application.use_cases.search_tweets import SearchTweets, SearchTweetsQuery
from application.use_cases.search_users import SearchUsers, SearchUsersQuery
from domain.errors import InvalidCursor, ValidationError
from domain.users import User
from tests.unit.world import InRequest, World, walk


async def search(
    world: World, q: str, request: PageRequest | None = None, viewer: User | None = None
) -> Page[TweetView]:
    query = SearchTweetsQuery(q, request or PageRequest(100), viewer.id if viewer else None)
    return await InRequest(world.container, SearchTweets)(query)


async def found(world: World, q: str) -> list[int]:
    return [tweet.id for tweet in (await search(world, q)).items]


async def test_a_tweet_is_found_by_every_word_once_the_workers_index_it(
    world: World, ann: User
) -> None:
    tweet = await world.post(ann, "The Quick brown café")
    assert await found(world, "quick") == []  # derived work: not yet

    await world.run_workers()

    for q in ("quick", "QUICK Brown", "cafe", "Café the"):
        assert await found(world, q) == [tweet.id], q
    assert await found(world, "quick fox") == []


async def test_an_edit_is_searched_by_its_new_words_and_a_delete_at_once_by_none(
    world: World, ann: User
) -> None:
    tweet = await world.post(ann, "before")
    await world.run_workers()
    await world.edit(ann, tweet.id, "after")
    await world.run_workers()

    assert (await found(world, "before"), await found(world, "after")) == ([], [tweet.id])
    await world.delete(ann, tweet.id)
    assert await found(world, "after") == []
    await world.run_workers()
    assert world.store.search_index == {}


async def test_words_read_at_an_older_version_never_replace_newer_ones(
    world: World, ann: User
) -> None:
    tweet = await world.post(ann, "second")
    async with world.container() as request:
        index = await request.get(SearchIndex)
        await index.put(tweet.id, 1, ["second"])
        await index.put(tweet.id, 0, ["first"])  # a job that read the text before the edit
        await index.put(tweet.id + 1000, 0, ["ghost"])  # a tweet gone: nothing to index

    assert (await found(world, "first"), await found(world, "second")) == ([], [tweet.id])
    assert set(world.store.search_index) == {tweet.id}


async def test_from_and_tags_filter_newest_first(world: World, ann: User, ben: User) -> None:
    a1 = await world.post(ann, "hi #One")
    b1 = await world.post(ben, "hi #one #two")
    a2 = await world.post(ann, "hi there")
    await world.run_workers()

    assert await found(world, "hi") == [a2.id, b1.id, a1.id]
    assert await found(world, "from:ANN") == [a2.id, a1.id]
    assert await found(world, "#ONE") == [b1.id, a1.id]
    assert await found(world, "#one #two hi") == [b1.id]
    assert await found(world, "from:ann #one") == [a1.id]
    assert await found(world, "from:nobody") == []
    assert await found(world, "from:ann from:ben") == []
    too_many = " ".join(f"#t{i}" for i in range(11))  # a tweet holds at most 10 hashtags
    assert await found(world, too_many) == []


async def test_pages_follow_the_cursor_without_repeats_while_tweets_come(
    world: World, ann: User
) -> None:
    ids = [(await world.post(ann, f"needle {i}")).id for i in range(5)]
    await world.run_workers()

    async def post_more() -> None:
        await world.post(ann, "needle later")
        await world.run_workers()

    pages = await walk(lambda request: search(world, "needle", request), 2, post_more)

    assert [tweet.id for page in pages for tweet in page.items] == ids[::-1]


@pytest.mark.parametrize("q", ["", " ", "x" * 201, "?!", "#"])
async def test_a_bad_query_is_a_validation_error(world: World, q: str) -> None:
    with pytest.raises(ValidationError):
        await search(world, q)


async def test_a_bad_cursor_or_limit_is_refused(world: World) -> None:
    with pytest.raises(InvalidCursor):
        await search(world, "ok", PageRequest(10, "nope"))
    with pytest.raises(ValidationError):
        await search(world, "ok", PageRequest(0))


# --- Users ------------------------------------------------------------------------------


async def users(world: World, q: str, limit: int = 20, viewer: User | None = None) -> list[str]:
    query = SearchUsersQuery(q, limit, viewer.id if viewer else None)
    return [profile.username for profile in await InRequest(world.container, SearchUsers)(query)]


async def test_users_by_prefix_exact_username_first_then_most_followed(
    world: World, ann: User, ben: User, cat: User
) -> None:
    annabel = await world.member("annabel")
    world.store.users[ben.id].first_name = "Annette"
    world.store.users[cat.id].last_name = "ÄNNAN"
    world.store.users[annabel.id].followers_count = 5
    world.store.users[cat.id].followers_count = 2

    assert await users(world, "ann") == ["ann", "annabel", "cat", "ben"]
    assert await users(world, "ANNA") == ["annabel", "cat"]
    assert await users(world, "ann", limit=1) == ["ann"]
    assert await users(world, "x") == []
    world.deactivate(annabel.id)
    assert await users(world, "anna") == ["cat"]


async def test_followed_by_me_is_for_a_signed_in_viewer(world: World, ann: User, ben: User) -> None:
    await world.follow(ann, "ben")
    query = SearchUsersQuery("ben", 20, ann.id)
    [mine] = await InRequest(world.container, SearchUsers)(query)
    [anonymous] = await InRequest(world.container, SearchUsers)(SearchUsersQuery("ben"))
    assert (mine.followed_by_me, anonymous.followed_by_me) == (True, None)


@pytest.mark.parametrize(("q", "limit"), [("", 20), ("x" * 101, 20), ("ok", 0), ("ok", 51)])
async def test_a_bad_user_query_or_limit_is_a_validation_error(
    world: World, q: str, limit: int
) -> None:
    with pytest.raises(ValidationError):
        await users(world, q, limit)


@pytest.mark.parametrize("q", ["\u0301", "a\x00", "\U0010ffff"])
async def test_a_query_no_name_can_start_with_finds_no_one(world: World, ann: User, q: str) -> None:
    assert await users(world, q) == []
