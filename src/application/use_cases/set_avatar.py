from __future__ import annotations

from dataclasses import dataclass, field

from application.authorization import active_user
from application.ports.transaction import TransactionManager
from application.ports.user_lookup import UserLookup
from application.ports.users import UserRepository
from application.uploads import ImageUploads
from domain.users import User


@dataclass(frozen=True, slots=True)
class SetAvatarCommand:
    user_id: int
    image: bytes = field(repr=False)


class SetAvatar:
    """Replace the caller's avatar with a verified, cleaned image.

    Uploads are rate-limited per user (``uploads_per_user_per_hour``: ``too_many_attempts``).

    The new file is deleted if the account cannot be saved; once it is, the file it replaced
    (the one in the account when it was written: concurrent uploads each delete another),
    by a job queued with the change if the media store is down then.
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

    async def __call__(self, command: SetAvatarCommand) -> User:
        user = await active_user(self._accounts, command.user_id)
        new = await self._uploads.store(command.image, user.id)
        try:
            old = await self._users.replace_avatar(user.id, new)
            await self._uploads.discard_later(old)
            await self._tx.commit()
        except BaseException:
            await self._uploads.discard(new)
            raise
        await self._uploads.discard_now(old)
        user.avatar = new
        return user
