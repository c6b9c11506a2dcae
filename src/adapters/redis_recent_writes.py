from __future__ import annotations

import math
from datetime import timedelta

from redis.asyncio import Redis

from adapters.redis_outage import redis_calls
from application.ports.recent_writes import RecentWrites

KEY_PREFIX = "chirp:wrote:"


class RedisRecentWrites(RecentWrites):
    """One key per user that wrote lately, expiring on Redis's own clock (so the instances'
    clocks need not agree)."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def note(self, user_id: int, lasting: timedelta) -> None:
        with redis_calls():
            await self._redis.set(
                f"{KEY_PREFIX}{user_id}", b"1", px=math.ceil(lasting.total_seconds() * 1000)
            )

    async def noted(self, user_id: int) -> bool:
        with redis_calls():
            return bool(await self._redis.exists(f"{KEY_PREFIX}{user_id}"))
