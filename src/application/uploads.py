"""Accepting an uploaded image: rate and size limits, verification, storage."""

from __future__ import annotations

from application.ports.clock import Clock
from application.ports.image_processor import ImageProcessor
from application.ports.media_storage import MediaStorage
from application.ports.settings_reader import SettingsReader
from application.throttle import Throttle
from domain.errors import ImageTooLarge
from domain.settings import UPLOADS_PER_USER_WINDOW


class ImageUploads:
    """Turns uploaded bytes into a stored, cleaned image, or refuses them."""

    def __init__(
        self,
        images: ImageProcessor,
        media: MediaStorage,
        settings: SettingsReader,
        throttle: Throttle,
        clock: Clock,
    ) -> None:
        self._images = images
        self._media = media
        self._settings = settings
        self._throttle = throttle
        self._clock = clock

    async def store(self, data: bytes, uploader_id: int) -> str:
        """The stored image's name. The caller deletes it if its own write then fails.

        At most ``uploads_per_user_per_hour`` uploads per user (runtime setting; 0 means
        unlimited): past it ``too_many_attempts`` before the image is decoded. Every upload
        that gets that far counts, an invalid image too: decoding it was the work.
        """
        settings = await self._settings.current()
        await self._throttle.admit(
            f"upload:user:{uploader_id}",
            settings.uploads_per_user_per_hour,
            UPLOADS_PER_USER_WINDOW,
            self._clock.now(),
        )
        if len(data) > settings.max_image_bytes:
            raise ImageTooLarge(f"The image is larger than {settings.max_image_bytes} bytes.")
        return await self._media.save(await self._images.process(data))

    async def discard(self, name: str | None) -> None:
        if name is not None:
            await self._media.delete(name)
