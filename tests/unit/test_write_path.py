"""The write path: facts commit with their jobs; the workers derive feeds from them."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import pytest
from dishka import Provider, Scope

from adapters.memory.social import InMemoryHomeTimelines
from application.derived.fan_out_tweet import BATCH, FAN_OUT, TRIM
from application.derived.follow_feeds import (
    REMOVE_FOLLOWEE,
    SECOND_PASS_AFTER,
    FollowChange,
    RemoveFolloweeFromFeed,
)
from application.derived.index_tweet import INDEX_TWEET
from application.derived.notify import NOTIFY_TWEET
from application.derived.registry import SUBSCRIBERS, WORK
from application.ports.home_timelines import FannedOut, HomeTimelines
from application.ports.job_queue import Job
from application.ports.job_worker import JobWorker
from domain.errors import ValidationError
from domain.users import User
from entrypoints.worker import performer
from tests.unit.world import World


async def test_followers_see_a_new_tweet_at_once_merged_until_the_workers_wrote_it(
    world: World, ann: User, ben: User
) -> None:
    await world.follow(ben, "ann")
    await world.run_workers()

    tweet = await world.post(ann, "hello")

    assert await world.feed_ids(ann) == [tweet.id]
    assert await world.feed_ids(ben) == [tweet.id]  # merged in when read
    assert tweet.id not in world.store.timelines.get(ben.id, set())
    await world.run_workers()
    assert tweet.id in world.store.timelines[ben.id]
    assert world.store.tweets[tweet.id].fanned_out  # no longer merged
    assert await world.feed_ids(ben) == [tweet.id]


async def test_a_post_enqueues_its_fan_out_indexing_and_notifying_and_a_refused_one_nothing(
    world: World, ann: User
) -> None:
    tweet = await world.post(ann, "hello")
    with pytest.raises(ValidationError):
        await world.post(ann, "x" * 281)

    assert [(job.kind, dict(job.payload)) for job in world.store.jobs] == [
        (FAN_OUT, {"tweet_id": tweet.id, "author_id": ann.id}),
        (INDEX_TWEET, {"tweet_id": tweet.id, "author_id": ann.id}),
        (NOTIFY_TWEET, {"tweet_id": tweet.id, "author_id": ann.id}),
    ]


async def test_fan_out_goes_in_batches_of_followers_until_every_one_has_the_tweet(
    world: World, ann: User
) -> None:
    followers = range(10_000, 10_000 + 2 * BATCH + 1)
    for follower in followers:
        world.store.follows[follower, ann.id] = world.store.next_id()
    tweet = await world.post(ann)
    kinds: list[str] = []
    worker = await world.container.get(JobWorker)

    async def perform(job: Job) -> None:
        kinds.append(job.kind)
        await real_perform(job)

    real_perform = performer(world.container)
    await worker.run(perform, [FAN_OUT], concurrency=1, until_empty=True)

    assert [kind for kind in kinds if kind not in (INDEX_TWEET, NOTIFY_TWEET)] == [FAN_OUT] * 3
    assert all(tweet.id in world.store.timelines[f] for f in followers)


async def test_an_author_past_fanout_max_followers_is_merged_into_feeds_when_read(
    world: World, ann: User, ben: User, cat: User
) -> None:
    admin = await world.new_admin()
    await world.change_settings(admin.id, fanout_max_followers=1)
    await world.follow(ben, "ann")
    await world.follow(cat, "ann")
    await world.follow(ben, "cat")
    await world.run_workers()
    before = (await world.post(cat, "cat before")).id
    big = (await world.post(ann, "ann has two followers")).id
    after = (await world.post(cat, "cat after")).id
    await world.run_workers()

    assert big not in world.store.timelines.get(ben.id, set())
    assert await world.feed_ids(ben) == [after, big, before]
    assert await world.feed_ids(ann) == [big]
    await world.unfollow(ben, "ann")
    assert await world.feed_ids(ben) == [after, before]


async def test_a_job_that_keeps_failing_is_parked_and_the_rest_flow(
    world: World, ann: User, ben: User
) -> None:
    await world.follow(ben, "ann")
    world.store.jobs.append(Job("no.such.work", {}))
    tweet = await world.post(ann)

    await world.run_workers()

    assert await world.feed_ids(ben) == [tweet.id]
    assert [job.kind for job in world.store.failed_jobs] == ["no.such.work"]
    worker = await world.container.get(JobWorker)
    assert (await worker.backlog()).failed == 1
    assert await worker.retry_failed() == 1
    assert [job.kind for job in world.store.jobs] == ["no.such.work"]


def test_every_event_builds_the_payload_of_each_of_its_subscribers() -> None:
    for event_type, works in SUBSCRIBERS.items():
        event = event_type(*range(1, len(dataclasses.fields(event_type)) + 1))
        for work in works:
            assert work.payload(**dataclasses.asdict(event)) is not None
            assert WORK[work.kind] is work


async def test_an_unfollow_is_taken_out_twice_the_second_time_later(
    world: World, ann: User, ben: User
) -> None:
    await world.follow(ann, "ben")
    tweet = await world.post(ben)
    await world.run_workers()
    await world.unfollow(ann, "ben")
    (first,) = world.store.jobs

    await world.run_workers()

    assert await world.feed_ids(ann) == []
    # What ran: the removal, then its second pass, due SECOND_PASS_AFTER seconds later.
    assert first.kind == REMOVE_FOLLOWEE
    world.store.timelines[ann.id].add(tweet.id)  # a fan-out that was in flight
    async with world.container() as scope:
        handler = await scope.get(RemoveFolloweeFromFeed)
        await handler(FollowChange(ann.id, ben.id))
    (second,) = world.store.jobs
    assert (second.kind, second.delay, second.payload["again"]) == (
        REMOVE_FOLLOWEE,
        SECOND_PASS_AFTER,
        1,
    )
    assert await world.feed_ids(ann) == []


class FullTimelines(InMemoryHomeTimelines):
    """Timelines that report every reader of a fan-out as due a trim, and record trims."""

    trimmed: ClassVar[list[int]] = []

    async def fan_out(
        self, tweet_id: int, author_id: int, after: int, limit: int, max_followers: int
    ) -> FannedOut:
        batch = await super().fan_out(tweet_id, author_id, after, limit, max_followers)
        followers = sorted(f for f, followee in self._store.follows if followee == author_id)
        return FannedOut(batch.next_after, (author_id, *followers))

    async def trim(self, reader_id: int) -> None:
        self.trimmed.append(reader_id)


async def test_full_timelines_are_trimmed_by_jobs_of_their_own_one_queued_per_reader() -> None:
    full = Provider(scope=Scope.REQUEST)
    full.provide(FullTimelines, provides=HomeTimelines)
    world = await World.start(full)
    FullTimelines.trimmed = []
    try:
        ann, ben = await world.member("ann"), await world.member("ben")
        await world.follow(ben, "ann")
        await world.run_workers()
        await world.post(ann)
        await world.post(ann)
        perform = performer(world.container)
        for fan_out in list(world.store.jobs):  # both fan-outs, before any trim runs
            world.store.jobs.remove(fan_out)
            await perform(fan_out)

        queued = sorted(job.payload["reader_id"] for job in world.store.jobs if job.kind == TRIM)
        assert queued == [ann.id, ben.id]  # the second fan-out's trims were queued already
        await world.run_workers()
        assert sorted(FullTimelines.trimmed) == [ann.id, ben.id]
    finally:
        await world.close()
