from __future__ import annotations

from application.authorization import active_user
from application.lookups import user_named
from application.ports.relationships import MuteRepository
from application.ports.transaction import TransactionManager
from application.ports.user_lookup import UserLookup
from application.use_cases.mute_user import MuteCommand


class UnmuteUser:
    """Stop muting an account (idempotent)."""

    def __init__(self, users: UserLookup, mutes: MuteRepository, tx: TransactionManager) -> None:
        self._users = users
        self._mutes = mutes
        self._tx = tx

    async def __call__(self, command: MuteCommand) -> None:
        await active_user(self._users, command.user_id)
        other = await user_named(self._users, command.username)
        await self._mutes.unmute(command.user_id, other.id)
        await self._tx.commit()
