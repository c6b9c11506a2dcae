from __future__ import annotations

from application.authorization import active_user
from application.lookups import user_named
from application.ports.follows import FollowRepository
from application.ports.home_timelines import HomeTimelines
from application.ports.transaction import TransactionManager
from application.ports.user_lookup import UserLookup
from application.use_cases.follow_user import FollowCommand


class UnfollowUser:
    """Stop following a user (idempotent); their tweets leave the follower's feed."""

    def __init__(
        self,
        users: UserLookup,
        follows: FollowRepository,
        timelines: HomeTimelines,
        tx: TransactionManager,
    ) -> None:
        self._users = users
        self._follows = follows
        self._timelines = timelines
        self._tx = tx

    async def __call__(self, command: FollowCommand) -> None:
        await active_user(self._users, command.follower_id)
        followee = await user_named(self._users, command.username)
        if await self._follows.unfollow(command.follower_id, followee.id):
            await self._timelines.remove_author(command.follower_id, followee.id)
        await self._tx.commit()
