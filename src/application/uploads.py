"""Accepting an uploaded image: size limit, verification, storage."""

from __future__ import annotations

from application.ports.image_processor import ImageProcessor
from application.ports.media_storage import MediaStorage
from application.ports.settings_reader import SettingsReader
from domain.errors import ImageTooLarge


class ImageUploads:
    """Turns uploaded bytes into a stored, cleaned image, or refuses them."""

    def __init__(
        self, images: ImageProcessor, media: MediaStorage, settings: SettingsReader
    ) -> None:
        self._images = images
        self._media = media
        self._settings = settings

    async def store(self, data: bytes) -> str:
        """The stored image's name. The caller deletes it if its own write then fails."""
        limit = (await self._settings.current()).max_image_bytes
        if len(data) > limit:
            raise ImageTooLarge(f"The image is larger than {limit} bytes.")
        return await self._media.save(await self._images.process(data))

    async def discard(self, name: str | None) -> None:
        if name is not None:
            await self._media.delete(name)
