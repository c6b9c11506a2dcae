from __future__ import annotations

from datetime import timedelta

from application.ports.clock import Clock
from application.ports.media import MediaRepository
from application.ports.settings_reader import SettingsReader
from application.ports.transaction import TransactionManager
from application.uploads import ImageUploads

# Uploads removed per transaction: bounded so that a backlog never makes one long transaction.
SWEEP_BATCH = 500


class SweepUnattachedMedia:
    """Delete uploads that no tweet attached within ``unattached_media_ttl_seconds`` (the
    workers run this every minute).

    - The setting's current value applies to every upload, also one made before it changed.
    - An upload attached while it is being swept stays (the removal is conditional on it
      being unattached), and then the tweet has it.
    - The stored object is deleted after the commit, or by the ``media.delete`` job queued
      with the removal if the store is down then.
    - Idempotent; several workers may sweep at once. Returns how many it removed; fewer
      than ``SWEEP_BATCH`` means none is left.
    """

    def __init__(
        self,
        media: MediaRepository,
        uploads: ImageUploads,
        settings: SettingsReader,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._media = media
        self._uploads = uploads
        self._settings = settings
        self._clock = clock
        self._tx = tx

    async def __call__(self) -> int:
        ttl = timedelta(seconds=(await self._settings.current()).unattached_media_ttl_seconds)
        names = await self._media.remove_unattached(self._clock.now() - ttl, SWEEP_BATCH)
        for name in names:
            await self._uploads.discard_later(name)
        await self._tx.commit()
        for name in names:
            await self._uploads.discard_now(name)
        return len(names)
