"""In-memory uploads, in the MemoryStore."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from adapters.memory.store import MemoryStore
from application.ports.media import MediaRepository, MediaView, views_of
from domain.media import Media


class InMemoryMediaRepository(MediaRepository):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def add(self, media: Media) -> None:
        self._store.media[media.id] = dataclasses.replace(media)

    async def get(self, media_id: str) -> Media | None:
        media = self._store.media.get(media_id)
        return None if media is None else dataclasses.replace(media)

    async def describe(self, media_id: str, alt: str | None) -> None:
        self._store.media[media_id].alt = alt

    async def attach(self, media_id: str, uploader_id: int, tweet_id: int, position: int) -> bool:
        media = self._store.media.get(media_id)
        if media is None or not media.can_be_attached_by(uploader_id):
            return False
        media.tweet_id, media.position = tweet_id, position
        return True

    async def detach_all(self, tweet_id: int) -> list[str]:
        gone = [m for m in self._store.media.values() if m.tweet_id == tweet_id]
        for media in gone:
            del self._store.media[media.id]
        return [media.name for media in sorted(gone, key=lambda m: m.position or 0)]

    async def remove_unattached(self, cutoff: datetime, limit: int) -> list[str]:
        expired = sorted(
            (
                m
                for m in self._store.media.values()
                if m.tweet_id is None and m.created_at <= cutoff
            ),
            key=lambda m: m.created_at,
        )[:limit]
        for media in expired:
            del self._store.media[media.id]
        return [media.name for media in expired]


def media_of(store: MemoryStore, tweet_id: int) -> tuple[MediaView, ...]:
    """A tweet's media, in order."""
    attached = [m for m in store.media.values() if m.tweet_id == tweet_id]
    return views_of(sorted(attached, key=lambda m: m.position or 0))
