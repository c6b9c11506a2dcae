from __future__ import annotations

from dataclasses import dataclass

from application.ports.clock import Clock
from application.ports.transaction import TransactionManager
from application.ports.trending_tags import TagUses
from application.use_cases.list_trending_tags import TRENDING_WINDOW

TALLY_TAG_USES = "tags.tally"
# The uses of at most this many tweets older than the window removed per job: more than a
# job adds (one tweet's), so the table holds little beyond the window's uses, and no job's
# transaction grows with a backlog.
FORGET_BATCH = 100


@dataclass(frozen=True, slots=True)
class TagsChanged:
    tweet_id: int


class TallyTagUses:
    """Keep the uses that ``/tags/trending`` counts in step with a tweet's hashtags after a
    post or an edit (a deleted tweet's go with it, by the database's cascade).

    - Reads the tweet's hashtags as they are when the job runs, so a late or repeated job
      (or an edit's overtaking the post's) leaves the same result.
    - Each job also removes some uses older than the trends' window (``FORGET_BATCH``).
    """

    def __init__(self, uses: TagUses, clock: Clock, tx: TransactionManager) -> None:
        self._uses = uses
        self._clock = clock
        self._tx = tx

    async def __call__(self, work: TagsChanged) -> None:
        await self._uses.sync(work.tweet_id)
        await self._uses.forget(self._clock.now() - TRENDING_WINDOW, FORGET_BATCH)
        await self._tx.commit()
