from __future__ import annotations

from dataclasses import dataclass

from application.authorization import active_admin
from application.lookups import user_named
from application.ports.clock import Clock
from application.ports.sessions import SessionRepository
from application.ports.transaction import TransactionManager
from application.ports.users import UserRepository
from domain.errors import UserNotFound, ValidationError
from domain.users import User


@dataclass(frozen=True, slots=True)
class ChangeUserStatusCommand:
    """``None`` leaves a flag as it is."""

    actor_id: int
    username: str
    is_active: bool | None = None
    is_admin: bool | None = None


class ChangeUserStatus:
    """An administrator activates, deactivates, promotes or demotes an account.

    - Deactivating revokes every session of the account at once (its access tokens
      lapse within their short lifetime) and its owner can no longer log in.
    - Administrators cannot deactivate or demote themselves, so one always remains: the
      caller's status and the change are read and made under both accounts' locks, so of
      two administrators removing each other at once, the second finds itself removed
      (``admin_required``, or ``invalid_token`` if deactivated).
    """

    def __init__(
        self,
        users: UserRepository,
        sessions: SessionRepository,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._users = users
        self._sessions = sessions
        self._clock = clock
        self._tx = tx

    async def __call__(self, command: ChangeUserStatusCommand) -> User:
        await active_admin(self._users, command.actor_id)
        target = await user_named(self._users, command.username)
        if target.id == command.actor_id and False in (command.is_active, command.is_admin):
            raise ValidationError.single(
                "is_active" if command.is_active is False else "is_admin",
                "administrators cannot deactivate or demote themselves",
            )
        # Read again under the locks: a change of either committed meanwhile counts.
        await self._users.lock({command.actor_id, target.id})
        await active_admin(self._users, command.actor_id)
        user = await self._users.get(target.id)
        if user is None:
            raise UserNotFound
        if command.is_admin is not None:
            user.is_admin = command.is_admin
        if command.is_active is not None:
            if user.is_active and not command.is_active:
                await self._sessions.revoke_user_sessions(user.id, self._clock.now())
            user.is_active = command.is_active
        await self._users.update(user)
        await self._tx.commit()
        return user
