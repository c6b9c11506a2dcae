from __future__ import annotations

import secrets

from application.ports.image_processor import ImageProcessor, ProcessedImage
from application.ports.media_storage import MediaStorage, StoredMedia
from domain.errors import InvalidImage

FAKE_IMAGE_PREFIX = b"IMG:"


class InMemoryMediaStorage(MediaStorage):
    """Stored images in a dict, named as the real storage names them."""

    def __init__(self) -> None:
        self.files: dict[str, StoredMedia] = {}

    @property
    def names(self) -> frozenset[str]:
        """Every name held now: a test checks that nothing was left behind."""
        return frozenset(self.files)

    async def save(self, image: ProcessedImage) -> str:
        name = secrets.token_urlsafe(16) + image.extension
        self.files[name] = StoredMedia(image.content, image.content_type)
        return name

    async def read(self, name: str) -> StoredMedia | None:
        return self.files.get(name)

    async def delete(self, name: str) -> None:
        self.files.pop(name, None)


class FakeImageProcessor(ImageProcessor):
    """A stand-in that decodes nothing.

    Bytes starting with ``b"IMG:"`` (``FAKE_IMAGE_PREFIX``) are a 1x1 PNG whose content is
    those same bytes, unchanged; anything else raises ``InvalidImage``.
    """

    async def process(self, data: bytes) -> ProcessedImage:
        if not data.startswith(FAKE_IMAGE_PREFIX):
            raise InvalidImage
        return ProcessedImage(data, "png", 1, 1)
