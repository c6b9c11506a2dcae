"""Accepting an uploaded image: rate and size limits, verification, storage."""

from __future__ import annotations

from dataclasses import dataclass

from application.derived.delete_media import DELETE_MEDIA
from application.errors import DependencyUnavailable
from application.ports.clock import Clock
from application.ports.image_processor import ImageProcessor
from application.ports.job_queue import Job, JobQueue
from application.ports.media_storage import MediaStorage
from application.ports.settings_reader import SettingsReader
from application.throttle import Throttle
from domain.errors import ImageTooLarge
from domain.settings import UPLOADS_PER_USER_WINDOW


@dataclass(frozen=True, slots=True)
class StoredImage:
    """An upload as stored: its name, and what decoding it found."""

    name: str
    content_type: str
    width: int
    height: int


class ImageUploads:
    """Turns uploaded bytes into a stored, cleaned image, or refuses them."""

    def __init__(
        self,
        images: ImageProcessor,
        media: MediaStorage,
        settings: SettingsReader,
        throttle: Throttle,
        clock: Clock,
        queue: JobQueue,
    ) -> None:
        self._images = images
        self._media = media
        self._settings = settings
        self._throttle = throttle
        self._clock = clock
        self._queue = queue

    async def store(self, data: bytes, uploader_id: int) -> str:
        """The stored image's name (see ``store_image``)."""
        return (await self.store_image(data, uploader_id)).name

    async def store_image(self, data: bytes, uploader_id: int) -> StoredImage:
        """The stored image. The caller deletes it if its own write then fails.

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
        image = await self._images.process(data)
        name = await self._media.save(image)
        return StoredImage(name, image.content_type, image.width, image.height)

    async def discard(self, name: str | None) -> None:
        """Delete an upload that was never committed (its write failed): at once."""
        if name is not None:
            await self._media.delete(name)

    async def discard_later(self, name: str | None) -> None:
        """In the transaction that lets go of upload ``name``, before its commit: queue its
        deletion, so it is deleted even if the store is down now (``discard_now`` tries
        first, after the commit)."""
        if name is not None:
            await self._queue.enqueue(Job(DELETE_MEDIA, {"name": name}))

    async def discard_now(self, name: str | None) -> None:
        """After the commit: delete ``name`` at once if the store answers; if not, the job
        ``discard_later`` queued does it (the client's delete has succeeded either way)."""
        if name is None:
            return
        try:
            await self._media.delete(name)
        except DependencyUnavailable:
            return
