from __future__ import annotations

from dataclasses import dataclass

from application.ports.home_timelines import HomeTimelines
from application.ports.job_queue import Job, JobQueue
from application.ports.transaction import TransactionManager

FAN_OUT = "feed.fan_out"
# Followers served per job: each batch commits with the job for the next one, so a worker
# that dies mid fan-out loses at most one batch's work, which the retry redoes.
BATCH = 1000


@dataclass(frozen=True, slots=True)
class FanOut:
    tweet_id: int
    author_id: int
    after: int = 0  # position among the author's followers reached so far


class FanOutTweet:
    """Put a new tweet in its author's followers' feeds, one batch of followers per job.

    - Idempotent: an entry already there is left as it is; a repeated batch adds nothing.
    - A tweet deleted meanwhile, or not to be fanned out (an author with more than
      ``fanout_max_followers`` followers: merged into feeds when read), is skipped.
    """

    def __init__(self, timelines: HomeTimelines, queue: JobQueue, tx: TransactionManager) -> None:
        self._timelines = timelines
        self._queue = queue
        self._tx = tx

    async def __call__(self, work: FanOut) -> None:
        reached = await self._timelines.fan_out(
            work.tweet_id, work.author_id, after=work.after, limit=BATCH
        )
        if reached is not None:
            await self._queue.enqueue(
                Job(
                    FAN_OUT,
                    {"tweet_id": work.tweet_id, "author_id": work.author_id, "after": reached},
                    dedupe_key=f"{FAN_OUT}:{work.tweet_id}:{reached}",
                )
            )
        await self._tx.commit()
