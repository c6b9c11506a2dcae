from __future__ import annotations

from dataclasses import dataclass

from application.authorization import active_admin
from application.lookups import user_named
from application.ports.clock import Clock
from application.ports.deactivation_publisher import DeactivationPublisher
from application.ports.sessions import SessionRepository
from application.ports.transaction import TransactionManager
from application.ports.users import UserRepository
from domain.errors import UserNotFound, ValidationError
from domain.users import Deactivation, User


@dataclass(frozen=True, slots=True)
class ChangeUserStatusCommand:
    """``None`` leaves a flag as it is."""

    actor_id: int
    username: str
    is_active: bool | None = None
    is_admin: bool | None = None


class ChangeUserStatus:
    """An administrator activates, deactivates, promotes or demotes an account.

    - Deactivating revokes every session of the account and voids its access tokens (every
      instance refuses them within seconds, this one at once, writes everywhere at once);
      its owner can no longer log in. Reactivating lets the owner log in again; tokens
      issued before the deactivation stay void.
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
        deactivations: DeactivationPublisher,
    ) -> None:
        self._users = users
        self._sessions = sessions
        self._clock = clock
        self._tx = tx
        self._deactivations = deactivations

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
        if command.is_admin is not None and command.is_admin != user.is_admin:
            await self._users.set_admin(user.id, command.is_admin)
            user.is_admin = command.is_admin
        if command.is_active is False and user.is_active:
            now = self._clock.now()
            await self._sessions.revoke_user_sessions(user.id, now)
            await self._users.deactivate(user.id, now)
            user.deactivate(now)
        elif command.is_active and not user.is_active:
            await self._users.reactivate(user.id)
            user.reactivate()
        await self._tx.commit()
        deactivation = Deactivation.of(user)
        if deactivation is not None:
            await self._deactivations.publish(deactivation)
        return user
