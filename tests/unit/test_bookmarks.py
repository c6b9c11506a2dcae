"""Bookmarks on the in-memory adapters: private, idempotent, newest first."""

from __future__ import annotations

import pytest

from application.pagination import PageRequest
from application.use_cases.block_user import BlockCommand, BlockUser
from application.use_cases.bookmark_tweet import BookmarkCommand, BookmarkTweet
from application.use_cases.list_blocks import OwnListQuery
from application.use_cases.list_bookmarks import ListBookmarks
from application.use_cases.remove_bookmark import RemoveBookmark
from domain.errors import Blocked, TweetNotFound
from domain.users import User
from tests.unit.world import InRequest, World


async def bookmark(world: World, user: User, tweet_id: int) -> bool:
    return await InRequest(world.container, BookmarkTweet)(BookmarkCommand(user.id, tweet_id))


async def remove(world: World, user: User, tweet_id: int) -> bool:
    return await InRequest(world.container, RemoveBookmark)(BookmarkCommand(user.id, tweet_id))


async def bookmarked(world: World, user: User) -> list[int]:
    page = await InRequest(world.container, ListBookmarks)(OwnListQuery(user.id, PageRequest(50)))
    assert all(tweet.bookmarked_by_me for tweet in page.items)
    return [tweet.id for tweet in page.items]


async def test_bookmarks_are_idempotent_private_and_most_recent_first(
    world: World, ann: User, ben: User
) -> None:
    first, second, own = await world.post(ben), await world.post(ben), await world.post(ann)
    for tweet_id in (first, second, first, own):
        assert await bookmark(world, ann, tweet_id.id) is True

    assert await bookmarked(world, ann) == [own.id, second.id, first.id]
    assert await bookmarked(world, ben) == []
    assert (await world.tweet_as_seen_by(first.id, ann)).bookmarked_by_me is True
    assert (await world.tweet_as_seen_by(first.id, ben)).bookmarked_by_me is False
    assert (await world.tweet_as_seen_by(first.id, None)).bookmarked_by_me is None
    for _ in range(2):
        assert await remove(world, ann, second.id) is False
    assert await bookmarked(world, ann) == [own.id, first.id]
    await world.delete(ben, first.id)
    assert await bookmarked(world, ann) == [own.id]


async def test_a_missing_tweet_or_a_block_refuses_a_bookmark(
    world: World, ann: User, ben: User
) -> None:
    tweet = await world.post(ben)
    with pytest.raises(TweetNotFound):
        await bookmark(world, ann, 10_000)
    with pytest.raises(TweetNotFound):
        await remove(world, ann, 10_000)
    await bookmark(world, ann, tweet.id)
    await InRequest(world.container, BlockUser)(BlockCommand(ben.id, "ann"))
    with pytest.raises(Blocked):
        await bookmark(world, ann, tweet.id)
    assert await bookmarked(world, ann) == []  # hidden while the block stands
    assert await remove(world, ann, tweet.id) is False  # removing one stays allowed
    assert not world.store.bookmarks
