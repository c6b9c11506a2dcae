from __future__ import annotations

from dataclasses import dataclass

from application.authorization import active_user
from application.ports.transaction import TransactionManager
from application.ports.user_lookup import UserLookup
from application.ports.users import UserRepository
from application.uploads import ImageUploads


@dataclass(frozen=True, slots=True)
class RemoveAvatarCommand:
    user_id: int


class RemoveAvatar:
    """Remove the caller's avatar (and its image, by a job if the media store is down);
    having none already is fine.

    The file deleted is the one in the account when it was cleared, whatever was read before.
    """

    def __init__(
        self,
        accounts: UserLookup,
        users: UserRepository,
        uploads: ImageUploads,
        tx: TransactionManager,
    ) -> None:
        self._accounts = accounts  # as committed: no transaction held while the image is processed
        self._users = users
        self._uploads = uploads
        self._tx = tx

    async def __call__(self, command: RemoveAvatarCommand) -> None:
        user = await active_user(self._accounts, command.user_id)
        if user.avatar is None:
            return
        old = await self._users.replace_avatar(user.id, None)
        await self._uploads.discard_later(old)
        await self._tx.commit()
        await self._uploads.discard_now(old)
