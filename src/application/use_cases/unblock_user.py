from __future__ import annotations

from application.authorization import active_user
from application.lookups import user_named
from application.ports.relationships import BlockRepository
from application.ports.transaction import TransactionManager
from application.ports.user_lookup import UserLookup
from application.use_cases.block_user import BlockCommand


class UnblockUser:
    """Stop blocking an account (idempotent). Nothing the block removed comes back: the
    follows stay removed."""

    def __init__(self, users: UserLookup, blocks: BlockRepository, tx: TransactionManager) -> None:
        self._users = users
        self._blocks = blocks
        self._tx = tx

    async def __call__(self, command: BlockCommand) -> None:
        await active_user(self._users, command.user_id)
        other = await user_named(self._users, command.username)
        await self._blocks.unblock(command.user_id, other.id)
        await self._tx.commit()
