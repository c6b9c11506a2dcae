from __future__ import annotations

from dataclasses import dataclass, field

from application.ports.clock import Clock
from application.ports.sessions import SessionRepository
from application.ports.transaction import TransactionManager
from domain.errors import InvalidRefreshToken
from domain.sessions import hash_refresh_token


@dataclass(frozen=True, slots=True)
class LogOutCommand:
    refresh_token: str = field(repr=False)


class LogOut:
    """End the session of a refresh token.

    The token must be the session's current one (not rotated away) and the session live;
    otherwise ``invalid_refresh_token``. An expired but current token still ends its session.
    """

    def __init__(self, sessions: SessionRepository, clock: Clock, tx: TransactionManager) -> None:
        self._sessions = sessions
        self._clock = clock
        self._tx = tx

    async def __call__(self, command: LogOutCommand) -> None:
        token = await self._sessions.get_token_by_hash(hash_refresh_token(command.refresh_token))
        if token is None or token.is_rotated:
            raise InvalidRefreshToken
        session = await self._sessions.get_session(token.session_id)
        if session is None or session.is_revoked:
            raise InvalidRefreshToken
        await self._sessions.revoke_session(session.id, self._clock.now())
        await self._tx.commit()
