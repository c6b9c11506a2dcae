from __future__ import annotations

from dataclasses import dataclass

from application.derived.follow_feeds import REMOVE_FOLLOWEE
from application.ports.follows import FollowRepository
from application.ports.job_queue import Job, JobQueue
from application.ports.relationships import BlockRepository
from application.ports.transaction import TransactionManager

SEPARATE = "relationships.separate"


@dataclass(frozen=True, slots=True)
class Pair:
    """Two accounts a block may separate: from a ``UserBlocked`` or a ``UserFollowed``
    (whose fields it takes)."""

    blocker_id: int = 0
    blocked_id: int = 0
    follower_id: int = 0
    followee_id: int = 0

    def accounts(self) -> tuple[int, int]:
        if self.blocker_id:
            return self.blocker_id, self.blocked_id
        return self.follower_id, self.followee_id


class SeparateBlocked:
    """Undo the follows between two accounts that a block separates, if it still stands.

    A block removes their follows in its own transaction, but a follow committed at the
    same time is seen by neither transaction. This job runs after a block and after a
    follow: whichever commits last, the job that follows it sees both, and the block wins.
    """

    def __init__(
        self,
        blocks: BlockRepository,
        follows: FollowRepository,
        queue: JobQueue,
        tx: TransactionManager,
    ) -> None:
        self._blocks = blocks
        self._follows = follows
        self._queue = queue
        self._tx = tx

    async def __call__(self, pair: Pair) -> None:
        one, other = pair.accounts()
        if await self._blocks.between(one, other):
            for follower, followee in ((one, other), (other, one)):
                if await self._follows.unfollow(follower, followee):
                    # What UnfollowUser's event starts (the outbox is not for handlers).
                    change = {"follower_id": follower, "followee_id": followee}
                    await self._queue.enqueue(Job(REMOVE_FOLLOWEE, change))
        await self._tx.commit()
