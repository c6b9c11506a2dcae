from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol

from application.ports.image_processor import ProcessedImage


@dataclass(frozen=True, slots=True)
class StoredMedia:
    """An image being read: its type and size, and its bytes as they arrive (``chunks``,
    to be iterated once, or closed with ``aclose`` when they are not wanted)."""

    content_type: str
    size: int
    chunks: AsyncIterator[bytes] = field(repr=False)

    async def content(self) -> bytes:
        """All of its bytes at once."""
        return b"".join([chunk async for chunk in self.chunks])

    async def aclose(self) -> None:
        aclose = getattr(self.chunks, "aclose", None)
        if aclose is not None:
            await aclose()


async def in_one_chunk(content: bytes) -> AsyncIterator[bytes]:
    """``content`` as ``StoredMedia.chunks``, for a store that holds it in memory."""
    yield content


class MediaStorage(Protocol):
    """Where uploaded images live, each under a random name that says nothing of its origin."""

    async def save(self, image: ProcessedImage) -> str:
        """Store ``image``; its new name (random, with the format's extension)."""
        ...

    async def read(self, name: str) -> StoredMedia | None:
        """The stored image called ``name``, its bytes still to be read; None for a name it
        never gave out."""
        ...

    async def delete(self, name: str) -> None:
        """Remove ``name`` if it exists (deleting twice is fine)."""
        ...
