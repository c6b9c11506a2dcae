from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "gif": ".gif", "webp": ".webp"}
CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}
MAX_IMAGE_SIDE = 4096


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    """An image that decoded cleanly, re-encoded with no metadata (EXIF, GPS, comments)."""

    content: bytes = field(repr=False)
    format: str  # one of EXTENSIONS' keys
    width: int
    height: int

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


class ImageProcessor(Protocol):
    """Checks uploaded bytes are a real image and makes a clean copy of it."""

    async def process(self, data: bytes) -> ProcessedImage:
        """The cleaned image; raises ``InvalidImage`` unless ``data`` decodes as a JPEG, PNG,
        GIF or WebP of at most MAX_IMAGE_SIDE pixels a side (checked before the pixels are
        decoded, so a decompression bomb costs nothing). Never trusts a name or content type.
        """
        ...
