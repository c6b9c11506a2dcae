from __future__ import annotations

import pytest

from application.pagination import PageRequest
from application.use_cases.list_follows import ListFollowsQuery
from application.use_cases.list_likers import ListLikersQuery
from domain.errors import CannotFollowSelf, UserNotFound
from domain.users import User
from tests.unit.world import World, ids

# --- LikeTweet, UnlikeTweet ---------------------------------------------------------------


@pytest.mark.parametrize("times", [1, 2, 3])
async def test_liking_is_idempotent(world: World, ann: User, ben: User, times: int) -> None:
    tweet = await world.post(ann)

    results = [await world.like(ben, tweet.id) for _ in range(times)]

    assert {(r.liked, r.like_count) for r in results} == {(True, 1)}
    seen = await world.tweet_as_seen_by(tweet.id, ben)
    assert (seen.like_count, seen.liked_by_me) == (1, True)
    likers = await world.list_likers(ListLikersQuery(tweet.id, PageRequest()))
    assert ids(likers.items) == [ben.id]


@pytest.mark.parametrize("times", [1, 2])
async def test_unliking_is_idempotent(world: World, ann: User, ben: User, times: int) -> None:
    tweet = await world.post(ann)
    await world.like(ben, tweet.id)

    results = [await world.unlike(ben, tweet.id) for _ in range(times)]

    assert {(r.liked, r.like_count) for r in results} == {(False, 0)}
    seen = await world.tweet_as_seen_by(tweet.id, ben)
    assert (seen.like_count, seen.liked_by_me) == (0, False)
    assert (await world.list_likers(ListLikersQuery(tweet.id, PageRequest()))).items == []


async def test_unliking_a_tweet_one_never_liked_changes_nothing(
    world: World, ann: User, ben: User, cat: User
) -> None:
    tweet = await world.post(ann)
    await world.like(cat, tweet.id)

    result = await world.unlike(ben, tweet.id)

    assert (result.liked, result.like_count) == (False, 1)
    assert (await world.tweet_as_seen_by(tweet.id, cat)).liked_by_me is True


async def test_like_counts_add_up_over_users(world: World, ann: User, ben: User, cat: User) -> None:
    tweet = await world.post(ann)
    other = await world.post(ann, "other")

    await world.like(ann, tweet.id)
    await world.like(ben, tweet.id)
    await world.like(cat, tweet.id)
    result = await world.unlike(ann, tweet.id)

    assert result.like_count == 2
    assert (await world.tweet_as_seen_by(tweet.id, None)).like_count == 2
    assert (await world.tweet_as_seen_by(other.id, None)).like_count == 0
    likers = await world.list_likers(ListLikersQuery(tweet.id, PageRequest()))
    assert ids(likers.items) == [cat.id, ben.id]


# --- FollowUser, UnfollowUser -------------------------------------------------------------


async def counts(world: World, username: str) -> tuple[int, int]:
    profile = await world.profile(username)
    return profile.followers_count, profile.following_count


async def followers_of(world: World, username: str) -> list[int]:
    return ids((await world.list_followers(ListFollowsQuery(username, PageRequest()))).items)


async def following_of(world: World, username: str) -> list[int]:
    return ids((await world.list_following(ListFollowsQuery(username, PageRequest()))).items)


@pytest.mark.parametrize("times", [1, 2, 3])
async def test_following_is_idempotent(world: World, ann: User, ben: User, times: int) -> None:
    for _ in range(times):
        await world.follow(ann, "ben")

    assert await counts(world, "ann") == (0, 1)
    assert await counts(world, "ben") == (1, 0)
    assert await followers_of(world, "ben") == [ann.id]
    assert await following_of(world, "ann") == [ben.id]
    assert (await world.profile("ben", ann)).followed_by_me is True


@pytest.mark.parametrize("times", [1, 2])
async def test_unfollowing_is_idempotent(world: World, ann: User, ben: User, times: int) -> None:
    await world.follow(ann, "ben")

    for _ in range(times):
        await world.unfollow(ann, "ben")

    assert await counts(world, "ann") == (0, 0)
    assert await counts(world, "ben") == (0, 0)
    assert await followers_of(world, "ben") == []
    assert (await world.profile("ben", ann)).followed_by_me is False


async def test_unfollowing_someone_one_never_followed_changes_nothing(
    world: World, ann: User, ben: User, cat: User
) -> None:
    await world.follow(cat, "ben")

    await world.unfollow(ann, "ben")

    assert await counts(world, "ben") == (1, 0)
    assert await counts(world, "ann") == (0, 0)


@pytest.mark.parametrize("username", ["BEN", "Ben", "ben"])
async def test_follow_and_unfollow_find_the_user_case_insensitively(
    world: World, ann: User, ben: User, username: str
) -> None:
    await world.follow(ann, username)
    assert await followers_of(world, "ben") == [ann.id]

    await world.unfollow(ann, username)
    assert await followers_of(world, "ben") == []


@pytest.mark.parametrize("username", ["ann", "ANN"])
async def test_no_one_follows_themselves(world: World, ann: User, username: str) -> None:
    before = world.footprint()

    with pytest.raises(CannotFollowSelf) as raised:
        await world.follow(ann, username)

    assert raised.value.code == "cannot_follow_self"
    assert await counts(world, "ann") == (0, 0)
    assert world.footprint() == before


@pytest.mark.parametrize("action", ["follow", "unfollow"])
async def test_following_an_unknown_user_is_not_found(world: World, ann: User, action: str) -> None:
    before = world.footprint()

    with pytest.raises(UserNotFound) as raised:
        await getattr(world, action)(ann, "nobody")

    assert raised.value.code == "user_not_found"
    assert world.footprint() == before


async def test_follows_are_directed(world: World, ann: User, ben: User, cat: User) -> None:
    await world.follow(ann, "ben")
    await world.follow(ann, "cat")
    await world.follow(cat, "ben")

    assert await counts(world, "ann") == (0, 2)
    assert await counts(world, "ben") == (2, 0)
    assert await counts(world, "cat") == (1, 1)
    assert await followers_of(world, "ben") == [cat.id, ann.id]
    assert await following_of(world, "ann") == [cat.id, ben.id]
    assert (await world.profile("ann", ben)).followed_by_me is False
