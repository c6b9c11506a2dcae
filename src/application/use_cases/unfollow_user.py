from __future__ import annotations

from application.authorization import active_user
from application.lookups import user_named
from application.outbox import Outbox
from application.ports.follows import FollowRepository
from application.ports.transaction import TransactionManager
from application.ports.user_lookup import UserLookup
from application.use_cases.follow_user import FollowCommand
from domain.events import UserUnfollowed


class UnfollowUser:
    """Stop following a user (idempotent); the workers take their tweets out of the
    follower's feed (``UserUnfollowed``)."""

    def __init__(
        self,
        users: UserLookup,
        follows: FollowRepository,
        outbox: Outbox,
        tx: TransactionManager,
    ) -> None:
        self._users = users
        self._follows = follows
        self._outbox = outbox
        self._tx = tx

    async def __call__(self, command: FollowCommand) -> None:
        await active_user(self._users, command.follower_id)
        followee = await user_named(self._users, command.username)
        if await self._follows.unfollow(command.follower_id, followee.id):
            await self._outbox.emit(UserUnfollowed(command.follower_id, followee.id))
        await self._tx.commit()
