from __future__ import annotations

from dataclasses import dataclass

from application.ports.home_timelines import HomeTimelines
from application.ports.job_queue import Job, JobQueue
from application.ports.transaction import TransactionManager

ADD_FOLLOWEE = "feed.add_followee"
REMOVE_FOLLOWEE = "feed.remove_followee"
# A fan-out batch or backfill that read the follow just before the unfollow committed can
# commit its entries just after the removal ran: a second removal this much later (far
# longer than a batch takes) takes them out too.
SECOND_PASS_AFTER = 10.0


@dataclass(frozen=True, slots=True)
class FollowChange:
    follower_id: int
    followee_id: int
    again: int = 0  # 1 for the removal's second pass


class AddFolloweeToFeed:
    """A new follow: the followee's newest tweets join the follower's feed (idempotent)."""

    def __init__(self, timelines: HomeTimelines, tx: TransactionManager) -> None:
        self._timelines = timelines
        self._tx = tx

    async def __call__(self, change: FollowChange) -> None:
        await self._timelines.add_author(change.follower_id, change.followee_id)
        await self._tx.commit()


class RemoveFolloweeFromFeed:
    """An unfollow: the followee's tweets leave the follower's feed (idempotent), and once
    more ``SECOND_PASS_AFTER`` seconds later, for entries a fan-out in flight was writing."""

    def __init__(self, timelines: HomeTimelines, queue: JobQueue, tx: TransactionManager) -> None:
        self._timelines = timelines
        self._queue = queue
        self._tx = tx

    async def __call__(self, change: FollowChange) -> None:
        await self._timelines.remove_author(change.follower_id, change.followee_id)
        if not change.again:
            await self._queue.enqueue(
                Job(
                    REMOVE_FOLLOWEE,
                    {
                        "follower_id": change.follower_id,
                        "followee_id": change.followee_id,
                        "again": 1,
                    },
                    delay=SECOND_PASS_AFTER,
                )
            )
        await self._tx.commit()
