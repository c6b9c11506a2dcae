from __future__ import annotations

from dataclasses import dataclass

from application.ports.home_timelines import HomeTimelines
from application.ports.transaction import TransactionManager


@dataclass(frozen=True, slots=True)
class FollowChange:
    follower_id: int
    followee_id: int


class AddFolloweeToFeed:
    """A new follow: the followee's newest tweets join the follower's feed (idempotent)."""

    def __init__(self, timelines: HomeTimelines, tx: TransactionManager) -> None:
        self._timelines = timelines
        self._tx = tx

    async def __call__(self, change: FollowChange) -> None:
        await self._timelines.add_author(change.follower_id, change.followee_id)
        await self._tx.commit()


class RemoveFolloweeFromFeed:
    """An unfollow: the followee's tweets leave the follower's feed (idempotent)."""

    def __init__(self, timelines: HomeTimelines, tx: TransactionManager) -> None:
        self._timelines = timelines
        self._tx = tx

    async def __call__(self, change: FollowChange) -> None:
        await self._timelines.remove_author(change.follower_id, change.followee_id)
        await self._tx.commit()
