from __future__ import annotations

from dataclasses import dataclass

from application.ports.media_storage import MediaStorage, StoredMedia
from domain.errors import MediaNotFound


@dataclass(frozen=True, slots=True)
class OpenMediaQuery:
    name: str


class OpenMedia:
    """An uploaded image by its name; names are random, so only given-out names resolve."""

    def __init__(self, media: MediaStorage) -> None:
        self._media = media

    async def __call__(self, query: OpenMediaQuery) -> StoredMedia:
        stored = await self._media.read(query.name)
        if stored is None:
            raise MediaNotFound
        return stored
