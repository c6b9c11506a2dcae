from __future__ import annotations

from dataclasses import dataclass, field

from application.authorization import active_user
from application.ports.clock import Clock
from application.ports.media import MediaRepository
from application.ports.transaction import TransactionManager
from application.ports.user_lookup import UserLookup
from application.uploads import ImageUploads
from domain.media import AltText, Media, new_media_id


@dataclass(frozen=True, slots=True)
class UploadMediaCommand:
    uploader_id: int
    file: bytes = field(repr=False)
    alt: str | None = None


class UploadMedia:
    """Upload an image to attach to a tweet later (``media_ids``), with optional alt text.

    - The image follows the rules of every upload (``ImageUploads``: rate limit, size,
      verified by decoding, stored cleaned under a random name); its width and height are
      the decoded image's.
    - Alt text: at most 1500 characters (``AltText``), checked before the image is stored.
    - The upload gets a random id of its own. Unattached, it is deleted once
      ``unattached_media_ttl_seconds`` have passed (``SweepUnattachedMedia``).
    - If the upload cannot be recorded, the stored image is deleted again.
    """

    def __init__(
        self,
        uploads: ImageUploads,
        media: MediaRepository,
        users: UserLookup,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._uploads = uploads
        self._media = media
        self._users = users
        self._clock = clock
        self._tx = tx

    async def __call__(self, command: UploadMediaCommand) -> Media:
        await active_user(self._users, command.uploader_id)
        alt = AltText.parse(command.alt)
        image = await self._uploads.store_image(command.file, command.uploader_id)
        media = Media(
            id=new_media_id(),
            uploader_id=command.uploader_id,
            name=image.name,
            content_type=image.content_type,
            width=image.width,
            height=image.height,
            created_at=self._clock.now(),
            alt=alt.value,
        )
        try:
            await self._media.add(media)
            await self._tx.commit()
        except BaseException:
            await self._uploads.discard(image.name)
            raise
        return media
