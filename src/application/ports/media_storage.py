from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from application.ports.image_processor import ProcessedImage


@dataclass(frozen=True, slots=True)
class StoredMedia:
    content: bytes = field(repr=False)
    content_type: str


class MediaStorage(Protocol):
    """Where uploaded images live, each under a random name that says nothing of its origin."""

    async def save(self, image: ProcessedImage) -> str:
        """Store ``image``; its new name (random, with the format's extension)."""
        ...

    async def read(self, name: str) -> StoredMedia | None:
        """The stored image called ``name``; None for a name it never gave out."""
        ...

    async def delete(self, name: str) -> None:
        """Remove ``name`` if it exists (deleting twice is fine)."""
        ...
