from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from domain.media import Media


class MediaView(NamedTuple):
    """One of a tweet's media as readers see it; ``name`` is the stored object's."""

    id: str
    name: str
    alt: str | None
    width: int
    height: int
    content_type: str


class MediaRepository(Protocol):
    """Uploaded media, in the use case's transaction."""

    async def add(self, media: Media) -> None:
        """Store a new upload (attached already when its ``tweet_id`` is set)."""
        ...

    async def get(self, media_id: str) -> Media | None: ...

    async def describe(self, media_id: str, alt: str | None) -> None:
        """Set the alt text of a stored upload."""
        ...

    async def attach(self, media_id: str, uploader_id: int, tweet_id: int, position: int) -> bool:
        """Attach an upload of ``uploader_id``'s that no tweet has yet to ``tweet_id`` at
        ``position``: whether it did. Race-safe: of two tweets attaching one upload at once,
        one does and the other gets False."""
        ...

    async def detach_all(self, tweet_id: int) -> list[str]:
        """Remove the media of a tweet being deleted: their stored objects' names."""
        ...

    async def remove_unattached(self, cutoff: datetime, limit: int) -> list[str]:
        """Remove up to ``limit`` uploads made at or before ``cutoff`` that no tweet has
        attached (one being attached meanwhile stays), oldest first: their stored objects'
        names."""
        ...


def views_of(media: Sequence[Media]) -> tuple[MediaView, ...]:
    return tuple(MediaView(m.id, m.name, m.alt, m.width, m.height, m.content_type) for m in media)
