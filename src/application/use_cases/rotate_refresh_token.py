from __future__ import annotations

from dataclasses import dataclass, field

from application.ports.clock import Clock
from application.ports.sessions import SessionRepository
from application.ports.settings_reader import SettingsReader
from application.ports.transaction import TransactionManager
from application.ports.users import UserRepository
from application.token_issuer import TokenIssuer, TokenPair
from domain.errors import (
    InvalidRefreshToken,
    RefreshTokenExpired,
    RefreshTokenReused,
    RefreshTokenRotated,
)
from domain.sessions import hash_refresh_token


@dataclass(frozen=True, slots=True)
class RotateRefreshTokenCommand:
    refresh_token: str = field(repr=False)


class RotateRefreshToken:
    """Trade a refresh token for a new pair; the old refresh token stops working.

    - Unknown token, revoked session, deactivated user: ``invalid_refresh_token``.
    - Of concurrent rotations of one token exactly one succeeds (atomic consume).
    - A rotated-away token within the grace window: ``refresh_token_rotated``, nothing revoked.
    - Later than that it counts as theft: the whole session is revoked
      (``refresh_token_reused``).
    - An expired token: ``refresh_token_expired``.
    """

    def __init__(
        self,
        sessions: SessionRepository,
        users: UserRepository,
        settings: SettingsReader,
        tokens: TokenIssuer,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._sessions = sessions
        self._users = users
        self._settings = settings
        self._tokens = tokens
        self._clock = clock
        self._tx = tx

    async def __call__(self, command: RotateRefreshTokenCommand) -> TokenPair:
        now = self._clock.now()
        token = await self._sessions.get_token_by_hash(hash_refresh_token(command.refresh_token))
        if token is None:
            raise InvalidRefreshToken
        session = await self._sessions.get_session(token.session_id)
        if session is None or session.is_revoked:
            raise InvalidRefreshToken

        if token.is_rotated:
            settings = await self._settings.current()
            if token.rotated_within(now, settings.refresh_reuse_grace):
                raise RefreshTokenRotated
            await self._sessions.revoke_session(session.id, now)
            await self._tx.commit()
            raise RefreshTokenReused(session_id=session.id, user_id=token.user_id)
        if token.is_expired(now):
            raise RefreshTokenExpired

        user = await self._users.get(token.user_id)
        if user is None or not user.is_active:
            raise InvalidRefreshToken
        if not await self._sessions.mark_rotated(token.id, now):
            # Another request rotated it between our read and our write: it won the race.
            raise RefreshTokenRotated
        pair = await self._tokens.issue(user, session.id, parent_id=token.id)
        await self._tx.commit()
        return pair
