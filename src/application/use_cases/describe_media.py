from __future__ import annotations

from dataclasses import dataclass

from application.authorization import active_user
from application.ports.media import MediaRepository
from application.ports.transaction import TransactionManager
from application.ports.user_lookup import UserLookup
from domain.errors import MediaNotFound, NotOwner
from domain.media import AltText, Media, is_media_id


@dataclass(frozen=True, slots=True)
class DescribeMediaCommand:
    actor_id: int
    media_id: str
    alt: str | None


class DescribeMedia:
    """Set or clear (None) the alt text of an upload, attached or not.

    - Only its uploader may (``not_owner``); an id that names no upload, or could not
      name one, is ``media_not_found``.
    - Alt text: at most 1500 characters (``AltText``).
    """

    def __init__(self, media: MediaRepository, users: UserLookup, tx: TransactionManager) -> None:
        self._media = media
        self._users = users
        self._tx = tx

    async def __call__(self, command: DescribeMediaCommand) -> Media:
        await active_user(self._users, command.actor_id)
        alt = AltText.parse(command.alt)
        media = await self._media.get(command.media_id) if is_media_id(command.media_id) else None
        if media is None:
            raise MediaNotFound("No such upload.")
        if not media.is_uploaded_by(command.actor_id):
            raise NotOwner
        await self._media.describe(media.id, alt.value)
        await self._tx.commit()
        media.alt = alt.value
        return media
