from __future__ import annotations

from dataclasses import dataclass

from application.derived.fan_out_tweet import BATCH, TRIM
from application.ports.home_timelines import HomeTimelines
from application.ports.job_queue import Job, JobQueue
from application.ports.transaction import TransactionManager

FAN_OUT_REPOST = "feed.fan_out_repost"
REMOVE_REPOST = "feed.remove_repost"


@dataclass(frozen=True, slots=True)
class RepostFanOut:
    repost_id: int
    user_id: int
    tweet_id: int = 0  # carried by TweetReposted, not needed here
    after: int = 0  # position among the reposter's followers reached so far


class FanOutRepost:
    """Put a reposted tweet in the reposter's followers' feeds, one batch per job.

    - Each entry stands where the repost was made and names the reposter; a feed holding
      the tweet already (the reader wrote it, follows its author, or another followee's
      repost brought it) gets nothing: a tweet appears once in a feed.
    - Reposts are fanned out whatever the reposter's follower count.
    - Idempotent: a repeated batch adds nothing; a repost undone meanwhile is skipped, and
      an undo waits for a batch in flight, so its removal job finds what the batch wrote.
    """

    def __init__(self, timelines: HomeTimelines, queue: JobQueue, tx: TransactionManager) -> None:
        self._timelines = timelines
        self._queue = queue
        self._tx = tx

    async def __call__(self, work: RepostFanOut) -> None:
        batch = await self._timelines.fan_out_repost(
            work.repost_id, work.user_id, after=work.after, limit=BATCH
        )
        jobs = [
            Job(TRIM, {"reader_id": reader}, dedupe_key=f"{TRIM}:{reader}") for reader in batch.full
        ]
        if (reached := batch.next_after) is not None:
            jobs.append(
                Job(
                    FAN_OUT_REPOST,
                    {"repost_id": work.repost_id, "user_id": work.user_id, "after": reached},
                    dedupe_key=f"{FAN_OUT_REPOST}:{work.repost_id}:{reached}",
                )
            )
        if jobs:
            await self._queue.enqueue(*jobs)
        await self._tx.commit()


@dataclass(frozen=True, slots=True)
class RepostGone:
    user_id: int
    tweet_id: int
    position: int


class RemoveRepostEntries:
    """Take out of feeds the entries an undone repost made, and only those (idempotent)."""

    def __init__(self, timelines: HomeTimelines, tx: TransactionManager) -> None:
        self._timelines = timelines
        self._tx = tx

    async def __call__(self, work: RepostGone) -> None:
        await self._timelines.remove_repost(work.user_id, work.tweet_id, work.position)
        await self._tx.commit()
