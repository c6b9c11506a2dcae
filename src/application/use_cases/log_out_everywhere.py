from __future__ import annotations

from dataclasses import dataclass

from application.authorization import active_user
from application.ports.clock import Clock
from application.ports.sessions import SessionRepository
from application.ports.transaction import TransactionManager
from application.ports.user_lookup import UserLookup


@dataclass(frozen=True, slots=True)
class LogOutEverywhereCommand:
    user_id: int


class LogOutEverywhere:
    """End every session of the caller; access tokens already issued expire on their own."""

    def __init__(
        self,
        sessions: SessionRepository,
        clock: Clock,
        tx: TransactionManager,
        users: UserLookup,
    ) -> None:
        self._users = users
        self._sessions = sessions
        self._clock = clock
        self._tx = tx

    async def __call__(self, command: LogOutEverywhereCommand) -> None:
        await active_user(self._users, command.user_id)
        await self._sessions.revoke_user_sessions(command.user_id, self._clock.now())
        await self._tx.commit()
