"""Blocks and mutes on the in-memory adapters: the writes a block refuses, what it removes,
and the terms of a mute. (What each list shows across them: test_block_mute_matrix.py.)"""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.derived.separate_blocked import SEPARATE
from application.pagination import PageRequest
from application.ports.job_queue import Job
from application.use_cases.block_user import BlockCommand, BlockUser
from application.use_cases.get_relationships import GetRelationships, RelationshipsQuery
from application.use_cases.like_tweet import LikeCommand, LikeTweet
from application.use_cases.list_blocks import ListBlocks, OwnListQuery
from application.use_cases.list_mutes import ListMutes
from application.use_cases.mute_user import MuteCommand, MuteUser
from application.use_cases.post_tweet import PostTweet, PostTweetCommand
from application.use_cases.repost_tweet import RepostCommand, RepostTweet
from application.use_cases.unblock_user import UnblockUser
from application.use_cases.unmute_user import UnmuteUser
from domain.errors import Blocked, CannotBlockSelf, CannotMuteSelf, UserNotFound, ValidationError
from domain.relationships import MuteTerms
from domain.users import User
from tests.unit.world import InRequest, World


async def block(world: World, user: User, username: str) -> None:
    await InRequest(world.container, BlockUser)(BlockCommand(user.id, username))


async def unblock(world: World, user: User, username: str) -> None:
    await InRequest(world.container, UnblockUser)(BlockCommand(user.id, username))


async def mute(world: World, user: User, username: str, **terms: int | bool | None) -> None:
    command = MuteCommand(user.id, username, MuteTerms(**terms))  # type: ignore[arg-type]
    await InRequest(world.container, MuteUser)(command)


async def blocked_names(world: World, user: User) -> list[str]:
    page = await InRequest(world.container, ListBlocks)(OwnListQuery(user.id, PageRequest(100)))
    return [summary.username for summary in page.items]


async def muted(world: World, user: User) -> list[tuple[str, bool, bool]]:
    """(name, whether it ends, notifications) of each mute in force, most recent first."""
    page = await InRequest(world.container, ListMutes)(OwnListQuery(user.id, PageRequest(100)))
    return [(m.user.username, m.expires_at is not None, m.notifications) for m in page.items]


async def test_a_block_is_idempotent_listed_newest_first_and_undone(
    world: World, ann: User, ben: User, cat: User
) -> None:
    for name in ("ben", "cat", "BEN"):
        await block(world, ann, name)
    assert await blocked_names(world, ann) == ["cat", "ben"]
    assert await blocked_names(world, ben) == []
    for _ in range(2):
        await unblock(world, ann, "ben")
    assert await blocked_names(world, ann) == ["cat"]


async def test_blocking_oneself_or_nobody_is_refused_and_changes_nothing(
    world: World, ann: User
) -> None:
    commits = world.store.commits
    with pytest.raises(CannotBlockSelf):
        await block(world, ann, "Ann")
    with pytest.raises(UserNotFound):
        await block(world, ann, "nobody")
    with pytest.raises(UserNotFound):
        await unblock(world, ann, "nobody")
    assert world.store.commits == commits
    assert not world.store.blocks


async def test_a_block_removes_both_follows_and_their_tweets_from_the_feeds(
    world: World, ann: User, ben: User
) -> None:
    await world.follow(ann, "ben")
    await world.follow(ben, "ann")
    anns, bens = await world.post(ann, "by ann"), await world.post(ben, "by ben")
    await world.run_workers()
    assert set(await world.feed_ids(ann)) == {anns.id, bens.id}

    await block(world, ben, "ann")
    await world.run_workers()

    assert not world.store.follows
    assert await world.feed_ids(ann) == [anns.id]
    assert await world.feed_ids(ben) == [bens.id]
    assert (
        world.stored_user(ann.id).followers_count,
        world.stored_user(ann.id).following_count,
    ) == (0, 0)
    # Unblocking restores nothing.
    await unblock(world, ben, "ann")
    await world.run_workers()
    assert not world.store.follows


@pytest.mark.parametrize("blocker", ["ann", "ben"])
async def test_a_block_refuses_follows_likes_reposts_replies_and_quotes_both_ways(
    world: World, ann: User, ben: User, blocker: str
) -> None:
    tweet = await world.post(ben)
    await block(world, *((ann, "ben") if blocker == "ann" else (ben, "ann")))
    commits = world.store.commits

    with pytest.raises(Blocked):
        await world.follow(ann, "ben")
    with pytest.raises(Blocked):
        await InRequest(world.container, LikeTweet)(LikeCommand(ann.id, tweet.id))
    with pytest.raises(Blocked):
        await InRequest(world.container, RepostTweet)(RepostCommand(ann.id, tweet.id))
    for fields in ({"in_reply_to_id": tweet.id}, {"quoted_tweet_id": tweet.id}):
        with pytest.raises(Blocked):
            await InRequest(world.container, PostTweet)(PostTweetCommand(ann.id, "hi", **fields))
    assert world.store.commits == commits
    # Acting on one's own tweets stays allowed.
    own = await world.post(ann)
    await InRequest(world.container, RepostTweet)(RepostCommand(ann.id, own.id))


async def test_a_new_mute_replaces_every_term_and_is_the_most_recent(
    world: World, ann: User, ben: User, cat: User
) -> None:
    await mute(world, ann, "ben", duration_seconds=600, notifications=False)
    await mute(world, ann, "cat")
    assert await muted(world, ann) == [("cat", False, True), ("ben", True, False)]

    await mute(world, ann, "ben")
    assert await muted(world, ann) == [("ben", False, True), ("cat", False, True)]
    await mute(world, ann, "cat", duration_seconds=60)
    world.clock.advance(timedelta(seconds=60))
    assert await muted(world, ann) == [("ben", False, True)]  # an ended mute is not listed
    for _ in range(2):
        await InRequest(world.container, UnmuteUser)(MuteCommand(ann.id, "ben"))
    assert await muted(world, ann) == []


@pytest.mark.parametrize("seconds", [59, 31_536_001, 0, -60])
def test_a_mute_lasts_a_minute_to_a_year_or_until_undone(seconds: int) -> None:
    with pytest.raises(ValidationError) as raised:
        MuteTerms(duration_seconds=seconds)
    assert [error.field for error in raised.value.errors] == ["duration_seconds"]
    assert MuteTerms(duration_seconds=60).duration_seconds == 60
    assert MuteTerms().duration_seconds is None


async def test_muting_oneself_or_nobody_is_refused(world: World, ann: User) -> None:
    with pytest.raises(CannotMuteSelf):
        await mute(world, ann, "ann")
    with pytest.raises(UserNotFound):
        await mute(world, ann, "nobody")
    assert not world.store.mutes


async def test_relationships_follow_the_order_asked_each_name_once(
    world: World, ann: User, ben: User, cat: User
) -> None:
    await world.follow(ann, "ben")
    await world.follow(cat, "ann")
    await block(world, cat, "ann")
    await mute(world, ann, "ben")
    get = InRequest(world.container, GetRelationships)

    found = await get(RelationshipsQuery(ann.id, " cat,BEN,,nobody,ann,ben,not a name"))

    assert [
        (r.username, r.following, r.followed_by, r.blocking, r.blocked_by, r.muting) for r in found
    ] == [
        ("cat", False, False, False, True, False),
        ("ben", True, False, False, False, True),
        ("ann", False, False, False, False, False),
    ]


@pytest.mark.parametrize("usernames", ["", " , ", ",".join(f"u{i:03}" for i in range(51))])
async def test_relationships_need_one_to_fifty_names(
    world: World, ann: User, usernames: str
) -> None:
    with pytest.raises(ValidationError):
        await InRequest(world.container, GetRelationships)(RelationshipsQuery(ann.id, usernames))


async def test_a_follow_committed_alongside_a_block_is_undone_by_the_workers(
    world: World, ann: User, ben: User
) -> None:
    await block(world, ann, "ben")
    # A follow whose transaction did not see the block (nor the block's the follow): it is
    # stored, with its job, as FollowUser would have stored it before the block committed.
    world.store.follows[ben.id, ann.id] = world.store.next_id()
    world.store.jobs.append(Job(SEPARATE, {"follower_id": ben.id, "followee_id": ann.id}))

    await world.run_workers()

    assert not world.store.follows
