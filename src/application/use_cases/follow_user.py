from __future__ import annotations

from dataclasses import dataclass

from application.authorization import active_user, unblocked
from application.lookups import user_named
from application.outbox import Outbox
from application.ports.clock import Clock
from application.ports.follows import FollowRepository
from application.ports.relationships import BlockRepository
from application.ports.transaction import TransactionManager
from application.ports.user_lookup import UserLookup
from domain.errors import CannotFollowSelf
from domain.events import UserFollowed


@dataclass(frozen=True, slots=True)
class FollowCommand:
    follower_id: int
    username: str


class FollowUser:
    """Follow a user by username (idempotent); the workers bring their tweets into the
    follower's feed (``UserFollowed``).

    Following oneself is refused (``cannot_follow_self``), and so is following across a
    block, either way (``blocked``).
    """

    def __init__(
        self,
        users: UserLookup,
        follows: FollowRepository,
        outbox: Outbox,
        clock: Clock,
        tx: TransactionManager,
        blocks: BlockRepository,
    ) -> None:
        self._blocks = blocks
        self._users = users
        self._follows = follows
        self._outbox = outbox
        self._clock = clock
        self._tx = tx

    async def __call__(self, command: FollowCommand) -> None:
        await active_user(self._users, command.follower_id)
        followee = await user_named(self._users, command.username)
        if followee.id == command.follower_id:
            raise CannotFollowSelf
        await unblocked(self._blocks, command.follower_id, followee.id)
        if await self._follows.follow(command.follower_id, followee.id, self._clock.now()):
            await self._outbox.emit(UserFollowed(command.follower_id, followee.id))
        await self._tx.commit()
