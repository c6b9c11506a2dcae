from __future__ import annotations

from dataclasses import dataclass

from application.authorization import active_user
from application.ports.notifications import Notifications
from application.ports.transaction import TransactionManager
from application.ports.user_lookup import UserLookup
from domain.errors import ValidationError
from domain.ids import is_id


@dataclass(frozen=True, slots=True)
class MarkReadCommand:
    user_id: int
    up_to_id: int | None = None


class MarkNotificationsRead:
    """Mark read every notification of the user, or those whose id is at most ``up_to_id``;
    what is read stays read (the marker never moves back)."""

    def __init__(
        self, users: UserLookup, notifications: Notifications, tx: TransactionManager
    ) -> None:
        self._users = users
        self._notifications = notifications
        self._tx = tx

    async def __call__(self, command: MarkReadCommand) -> None:
        if command.up_to_id is not None and not is_id(command.up_to_id):
            raise ValidationError.single("up_to_id", "must be a notification's id")
        await active_user(self._users, command.user_id)
        await self._notifications.mark_read(command.user_id, command.up_to_id)
        await self._tx.commit()
