"""Reposts: idempotent, counted, and put in the reposter's followers' feeds by the workers,
at most once per feed, where the repost was made; undoing one removes what it made."""

from __future__ import annotations

import pytest

from application.pagination import PageRequest
from application.ports.tweet_reader import TweetView
from application.use_cases.build_feed import BuildFeedQuery
from application.use_cases.list_reposters import ListReposters, ListRepostersQuery
from application.use_cases.list_user_tweets import ListUserTweets, ListUserTweetsQuery
from application.use_cases.post_tweet import PostTweetCommand
from application.use_cases.repost_tweet import RepostCommand, RepostResult, RepostTweet
from application.use_cases.undo_repost import UndoRepost
from domain.errors import TweetNotFound
from domain.users import User
from tests.unit.world import InRequest, World


async def repost(world: World, user: User, tweet_id: int) -> RepostResult:
    return await InRequest(world.container, RepostTweet)(RepostCommand(user.id, tweet_id))


async def undo(world: World, user: User, tweet_id: int) -> RepostResult:
    return await InRequest(world.container, UndoRepost)(RepostCommand(user.id, tweet_id))


async def feed(world: World, reader: User) -> list[tuple[int, str | None]]:
    """(tweet id, reposter's name) of the reader's feed, in order."""
    page = await world.build_feed(BuildFeedQuery(reader_id=reader.id, page=PageRequest(100)))
    return [(t.id, t.reposted_by.username if t.reposted_by else None) for t in page.items]


async def tweets_of(world: World, user: User, *, include_reposts: bool) -> list[TweetView]:
    page = await InRequest(world.container, ListUserTweets)(
        ListUserTweetsQuery(user.username, PageRequest(100), include_reposts=include_reposts)
    )
    return page.items


async def test_a_repost_is_idempotent_and_its_answer_counts_it(
    world: World, ann: User, ben: User
) -> None:
    tweet = await world.post(ann)

    assert await repost(world, ben, tweet.id) == RepostResult(True, 1)
    assert await repost(world, ben, tweet.id) == RepostResult(True, 1)
    assert await repost(world, ann, tweet.id) == RepostResult(True, 2)  # one's own too
    assert await undo(world, ben, tweet.id) == RepostResult(False, 1)
    assert await undo(world, ben, tweet.id) == RepostResult(False, 1)

    seen = await world.tweet_as_seen_by(tweet.id, ann)
    assert (seen.repost_count, seen.reposted_by_me) == (1, True)
    assert (await world.tweet_as_seen_by(tweet.id, ben)).reposted_by_me is False
    assert (await world.tweet_as_seen_by(tweet.id, None)).reposted_by_me is None


async def test_reposting_a_missing_tweet_is_not_found_and_changes_nothing(
    world: World, ann: User
) -> None:
    commits = world.store.commits
    for act in (repost, undo):
        with pytest.raises(TweetNotFound):
            await act(world, ann, 12345)
    assert (world.store.commits, world.store.reposts, list(world.store.jobs)) == (commits, {}, [])


async def test_a_repost_enters_followers_feeds_where_it_was_made(
    world: World, ann: User, ben: User, cat: User
) -> None:
    await world.follow(ann, "ben")
    original = await world.post(cat, "old news")
    own = await world.post(ann, "mine")
    await repost(world, ben, original.id)
    assert await feed(world, ann) == [(own.id, None)]  # the workers have not run yet

    await world.run_workers()
    assert await feed(world, ann) == [(original.id, "ben"), (own.id, None)]
    later = await world.post(ann, "later")
    assert await feed(world, ann) == [(later.id, None), (original.id, "ben"), (own.id, None)]
    assert await feed(world, ben) == []  # followers' feeds only
    assert await feed(world, cat) == [(original.id, None)]


async def test_a_tweet_is_at_most_once_in_a_feed(
    world: World, ann: User, ben: User, cat: User
) -> None:
    dan = await world.member("dan")
    for followee in ("ben", "dan"):
        await world.follow(ann, followee)
    await world.follow(cat, "ben")
    original = await world.post(cat)
    followed_authors = await world.post(dan)
    await world.run_workers()

    for reposter in (ben, dan):
        await repost(world, reposter, original.id)
        await repost(world, reposter, followed_authors.id)
    await world.run_workers()

    # ben's repost came first; dan's own tweet is in the feed already; cat wrote the tweet.
    assert await feed(world, ann) == [(original.id, "ben"), (followed_authors.id, None)]
    assert await feed(world, cat) == [(followed_authors.id, "ben"), (original.id, None)]


async def test_undoing_a_repost_removes_the_entry_it_made(
    world: World, ann: User, ben: User, cat: User
) -> None:
    await world.follow(ann, "ben")
    original = await world.post(cat)
    await repost(world, ben, original.id)
    await world.run_workers()

    await undo(world, ben, original.id)
    await world.run_workers()
    assert await feed(world, ann) == []
    assert world.store.repost_entries[ann.id] == {}

    await repost(world, ben, original.id)  # again: a new repost, entered anew
    await world.run_workers()
    assert await feed(world, ann) == [(original.id, "ben")]


async def test_unfollowing_the_reposter_takes_its_reposts_out_of_the_feed(
    world: World, ann: User, ben: User, cat: User
) -> None:
    await world.follow(ann, "ben")
    original = await world.post(cat)
    await repost(world, ben, original.id)
    await world.run_workers()

    await world.unfollow(ann, "ben")
    await world.run_workers()
    assert await feed(world, ann) == []


async def test_a_users_tweet_list_shows_its_reposts_only_when_asked(
    world: World, ann: User, ben: User
) -> None:
    first = await world.post(ben, "first")
    reposted = await world.post(ann, "worth it")
    await repost(world, ben, reposted.id)
    last = await world.post(ben, "last")

    plain = await tweets_of(world, ben, include_reposts=False)
    assert [t.id for t in plain] == [last.id, first.id]
    with_reposts = await tweets_of(world, ben, include_reposts=True)
    assert [(t.id, t.reposted_by and t.reposted_by.username) for t in with_reposts] == [
        (last.id, None),
        (reposted.id, "ben"),
        (first.id, None),
    ]


async def test_reposters_are_listed_most_recent_first(
    world: World, ann: User, ben: User, cat: User
) -> None:
    tweet = await world.post(ann)
    await repost(world, ben, tweet.id)
    await repost(world, cat, tweet.id)

    page = await InRequest(world.container, ListReposters)(
        ListRepostersQuery(tweet.id, PageRequest(10))
    )
    assert [user.username for user in page.items] == ["cat", "ben"]
    with pytest.raises(TweetNotFound):
        await InRequest(world.container, ListReposters)(ListRepostersQuery(999, PageRequest(10)))


async def test_the_earliest_repost_stays_whatever_order_the_workers_take(
    world: World, ann: User, ben: User, cat: User
) -> None:
    dan = await world.member("dan")
    for followee in ("ben", "dan"):
        await world.follow(ann, followee)
    original = await world.post(cat)
    await world.run_workers()
    await repost(world, ben, original.id)
    await repost(world, dan, original.id)
    world.store.jobs.reverse()  # dan's fan-out runs first

    await world.run_workers()
    assert await feed(world, ann) == [(original.id, "ben")]


async def test_a_reposted_reply_reaches_followers_of_its_author_the_rule_kept_out(
    world: World, ann: User, ben: User, cat: User
) -> None:
    dan = await world.member("dan")
    for followee in ("ben", "cat"):
        await world.follow(ann, followee)  # ann follows cat, not dan
    parent = await world.post(dan, "dan's")
    reply = await world.post_tweet(
        PostTweetCommand(cat.id, "cat's reply", in_reply_to_id=parent.id)
    )
    await world.run_workers()
    assert await feed(world, ann) == []  # the reply rule: ann does not follow dan

    await repost(world, ben, reply.id)
    await world.run_workers()
    assert await feed(world, ann) == [(reply.id, "ben")]
