from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from application.ports.access_tokens import AccessClaims
from application.ports.clock import Clock
from application.ports.deactivation_publisher import DeactivationPublisher
from application.ports.deactivations import Deactivations
from application.ports.revoked_tokens import RevokedTokens
from domain.settings import SETTING_RANGES
from domain.users import Deactivation

# No access token lives longer than the longest access_token_ttl_seconds, so an older
# deactivation voids no live token; a minute more for instances whose clocks differ.
KEPT_FOR = timedelta(seconds=SETTING_RANGES["access_token_ttl_seconds"][1], minutes=1)
# Storage is read again when the copy is this old: every instance applies a deactivation
# made elsewhere within it (as a settings change without Redis).
DEACTIVATIONS_MAX_AGE = timedelta(seconds=2)


class DeactivationCache(RevokedTokens, DeactivationPublisher):
    """The accounts deactivated within the last day, as storage had them at most
    ``max_age`` ago; one per process, so a check is a dictionary lookup.

    The first request that finds the copy too old reloads it (one indexed query, a handful of
    rows) while the others wait for that reload. A change committed in this process is applied
    at once, and stays applied if a reload that began before it read storage before its commit.
    Storage is the one source of truth with or without Redis: a shared copy would cost a round
    trip on every authenticated request, where this costs one query per instance every
    ``max_age``; writes do not wait for it (they find the account inactive in their
    transaction).
    """

    max_age = DEACTIVATIONS_MAX_AGE

    def __init__(self, deactivations: Deactivations, clock: Clock) -> None:
        self._deactivations = deactivations
        self._clock = clock
        self._known: dict[int, Deactivation] = {}
        self._loaded_at: datetime | None = None
        self._reloading = asyncio.Lock()
        # Published since the running reload began: possibly newer than what it reads.
        self._published: dict[int, Deactivation] = {}

    async def voids(self, claims: AccessClaims) -> bool:
        if self._stale(self._clock.now()):
            await self._reload()
        known = self._known.get(claims.user_id)
        return known is not None and known.voids(claims.issued_at)

    async def publish(self, deactivation: Deactivation) -> None:
        self._known[deactivation.user_id] = deactivation
        self._published[deactivation.user_id] = deactivation

    def _stale(self, now: datetime) -> bool:
        return self._loaded_at is None or not timedelta(0) <= now - self._loaded_at < self.max_age

    async def _reload(self) -> None:
        async with self._reloading:
            now = self._clock.now()
            if not self._stale(now):
                return  # reloaded while this request waited
            self._published = {}
            loaded = await self._deactivations.since(now - KEPT_FOR)
            self._known = {d.user_id: d for d in loaded} | self._published
            self._loaded_at = now
