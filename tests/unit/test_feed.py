from __future__ import annotations

import pytest

from application.pagination import PageRequest
from application.use_cases.build_feed import BuildFeedQuery
from domain.users import User
from tests.unit.world import World


async def test_an_empty_feed(world: World, ann: User) -> None:
    page = await world.build_feed(BuildFeedQuery(ann.id, PageRequest()))

    assert (page.items, page.next_cursor) == ([], None)


async def test_the_feed_has_own_and_followees_tweets_newest_first(
    world: World, ann: User, ben: User, cat: User
) -> None:
    await world.follow(ann, "ben")
    posted = []
    for author in (ann, ben, cat, ben, ann, cat):
        posted.append((author, (await world.post(author, f"by {author.username}")).id))
        world.clock.advance(seconds=1)

    expected = [tweet for author, tweet in reversed(posted) if author in (ann, ben)]
    await world.run_workers()
    assert await world.feed_ids(ann) == expected
    assert await world.feed_ids(ben) == [t for a, t in reversed(posted) if a == ben]
    assert await world.feed_ids(cat) == [t for a, t in reversed(posted) if a == cat]


async def test_a_new_follow_brings_the_followees_earlier_tweets(
    world: World, ann: User, ben: User
) -> None:
    old_ben = (await world.post(ben, "old")).id
    own = (await world.post(ann, "mine")).id
    newer_ben = (await world.post(ben, "newer")).id
    await world.run_workers()
    assert await world.feed_ids(ann) == [own]

    await world.follow(ann, "ben")

    await world.run_workers()
    assert await world.feed_ids(ann) == [newer_ben, own, old_ben]


async def test_unfollowing_takes_the_followees_tweets_out(
    world: World, ann: User, ben: User, cat: User
) -> None:
    await world.follow(ann, "ben")
    await world.follow(ann, "cat")
    ben_tweet = (await world.post(ben)).id
    cat_tweet = (await world.post(cat)).id
    own = (await world.post(ann)).id

    await world.unfollow(ann, "ben")

    await world.run_workers()
    assert await world.feed_ids(ann) == [own, cat_tweet]
    assert await world.feed_ids(ben) == [ben_tweet]


async def test_following_again_brings_them_back(world: World, ann: User, ben: User) -> None:
    await world.follow(ann, "ben")
    tweet = (await world.post(ben)).id
    await world.unfollow(ann, "ben")

    await world.follow(ann, "ben")

    await world.run_workers()
    assert await world.feed_ids(ann) == [tweet]


async def test_following_someone_adds_nothing_to_their_feed(
    world: World, ann: User, ben: User
) -> None:
    await world.post(ann)
    ben_tweet = (await world.post(ben)).id

    await world.follow(ann, "ben")

    await world.run_workers()
    assert await world.feed_ids(ben) == [ben_tweet]


async def test_an_edit_shows_in_followers_feeds(world: World, ann: User, ben: User) -> None:
    await world.follow(ben, "ann")
    tweet = await world.post(ann, "typo")
    await world.run_workers()

    await world.edit(ann, tweet.id, "fixed")

    page = await world.build_feed(BuildFeedQuery(ben.id, PageRequest()))
    assert [(t.id, t.text) for t in page.items] == [(tweet.id, "fixed")]


@pytest.mark.parametrize("reader_likes", [True, False])
async def test_liked_by_me_is_the_readers(
    world: World, ann: User, ben: User, cat: User, reader_likes: bool
) -> None:
    await world.follow(ben, "ann")
    tweet = await world.post(ann)
    await world.like(ann, tweet.id)
    await world.like(cat, tweet.id)
    if reader_likes:
        await world.like(ben, tweet.id)
    await world.run_workers()

    page = await world.build_feed(BuildFeedQuery(ben.id, PageRequest()))

    assert [(t.liked_by_me, t.like_count) for t in page.items] == [(reader_likes, 2 + reader_likes)]
