from __future__ import annotations

from dataclasses import dataclass

from application.ports.media_storage import MediaStorage

DELETE_MEDIA = "media.delete"


@dataclass(frozen=True, slots=True)
class MediaGone:
    name: str  # an upload nothing shows any more


class DeleteMedia:
    """Delete an upload nothing shows any more: a deleted tweet's image, a replaced or
    removed avatar. Queued in the transaction that let go of it, so it happens even when the
    store was down at the time.

    - Idempotent: deleting an object that is already gone is fine (the request usually
      deleted it at once; this job is the guarantee).
    - While the store is down it fails (``DependencyUnavailable``) and the queue retries it
      with backoff.
    """

    def __init__(self, media: MediaStorage) -> None:
        self._media = media

    async def __call__(self, work: MediaGone) -> None:
        await self._media.delete(work.name)
