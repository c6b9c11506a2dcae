from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import RedisError

from application.ports.shared_state_health import SharedStateHealth


class RedisStateHealth(SharedStateHealth):
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def is_ready(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False
