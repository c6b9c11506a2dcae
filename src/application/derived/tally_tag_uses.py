from __future__ import annotations

from dataclasses import dataclass

from application.ports.transaction import TransactionManager
from application.ports.trending_tags import TagUses

TALLY_TAG_USES = "tags.tally"


@dataclass(frozen=True, slots=True)
class TagsChanged:
    tweet_id: int


class TallyTagUses:
    """Keep the uses that ``/tags/trending`` counts in step with a tweet's hashtags after a
    post or an edit (a deleted tweet's go with it, by the database's cascade).

    - Reads the tweet's hashtags as they are when the job runs, so a late or repeated job
      (or an edit's overtaking the post's) leaves the same result.
    """

    def __init__(self, uses: TagUses, tx: TransactionManager) -> None:
        self._uses = uses
        self._tx = tx

    async def __call__(self, work: TagsChanged) -> None:
        await self._uses.sync(work.tweet_id)
        await self._tx.commit()
