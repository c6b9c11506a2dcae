from __future__ import annotations

import json
import logging
from datetime import datetime

from redis.asyncio import Redis
from redis.exceptions import RedisError

from adapters.redis_outage import redis_calls
from adapters.settings_cache import SETTINGS_MAX_AGE, SettingsCopy
from domain.errors import DomainError
from domain.settings import RuntimeSettings

KEY = "chirp:settings"
logger = logging.getLogger("chirp")


class RedisSettingsCache(SettingsCopy):
    """One copy of the settings in Redis, shared by every instance.

    A change replaces the copy as soon as it is committed, so every instance sees it at
    once. The copy expires ``SETTINGS_MAX_AGE`` after it was written, which bounds how
    long a lost race can keep an older copy: an instance that read storage just before
    a commit only fills an empty key, and two concurrent changes end with the later
    commit's copy at the latest when it expires.
    """

    ttl = SETTINGS_MAX_AGE

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def fresh(self, now: datetime) -> RuntimeSettings | None:
        with redis_calls():
            raw = await self._redis.get(KEY)
        if raw is None:
            return None
        try:
            return RuntimeSettings.from_stored(json.loads(raw))
        except (ValueError, TypeError, AttributeError, DomainError):
            # Not a copy this version can read (a newer one may have written it): reload.
            return None

    async def fill(self, value: RuntimeSettings, now: datetime) -> None:
        with redis_calls():
            await self._redis.set(KEY, json.dumps(value.as_dict()), px=self.ttl, nx=True)

    async def replace(self, value: RuntimeSettings, now: datetime) -> None:
        try:
            await self._redis.set(KEY, json.dumps(value.as_dict()), px=self.ttl)
        except RedisError as error:
            # The change is committed; the other instances get it when the copy expires.
            logger.warning("could not share the new settings: %s", type(error).__name__)
