from __future__ import annotations

from dataclasses import dataclass

from application.authorization import active_user
from application.lookups import user_named
from application.outbox import Outbox
from application.ports.clock import Clock
from application.ports.follows import FollowRepository
from application.ports.relationships import BlockRepository
from application.ports.transaction import TransactionManager
from application.ports.user_lookup import UserLookup
from domain.errors import CannotBlockSelf
from domain.events import UserBlocked, UserUnfollowed


@dataclass(frozen=True, slots=True)
class BlockCommand:
    user_id: int
    username: str


class BlockUser:
    """Block an account (idempotent): from the commit on, neither sees or acts on the
    other's tweets, and their follows of each other are removed in the same transaction
    (the workers then take each one's tweets out of the other's feed, ``UserUnfollowed``);
    a follow committed at the same time is undone by the workers (``UserBlocked``).

    Blocking oneself is refused (``cannot_block_self``).
    """

    def __init__(
        self,
        users: UserLookup,
        blocks: BlockRepository,
        follows: FollowRepository,
        outbox: Outbox,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._users = users
        self._blocks = blocks
        self._follows = follows
        self._outbox = outbox
        self._clock = clock
        self._tx = tx

    async def __call__(self, command: BlockCommand) -> None:
        await active_user(self._users, command.user_id)
        other = await user_named(self._users, command.username)
        if other.id == command.user_id:
            raise CannotBlockSelf
        if await self._blocks.block(command.user_id, other.id, self._clock.now()):
            await self._outbox.emit(UserBlocked(command.user_id, other.id))
        for follower, followee in ((command.user_id, other.id), (other.id, command.user_id)):
            if await self._follows.unfollow(follower, followee):
                await self._outbox.emit(UserUnfollowed(follower, followee))
        await self._tx.commit()
