from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from adapters.redis_outage import redis_calls
from application.ports.attempt_log import AttemptLog, Quota

KEY_PREFIX = "chirp:attempts:"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

# One sorted set per key: members are unique ids, scores the attempts' times in
# microseconds since the epoch (exact in a double until the year 2255). Run as one script,
# the trim, count and add are atomic however many instances share the server.
# KEYS[1] the set; ARGV: now, window (microseconds), limit, member. Returns false when the
# attempt is recorded, else the microseconds until enough attempts leave the window.
_ACQUIRE = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
    local blocking = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
    return tonumber(blocking[2]) + window - now
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
return false
"""

# As _ACQUIRE, returning {recorded (0/1), remaining, microseconds until one is allowed again}.
_TAKE = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local recorded = 0
if count < limit then
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
    redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
    count = count + 1
    recorded = 1
end
local wait = 0
if count >= limit then
    local blocking = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
    wait = tonumber(blocking[2]) + window - now
end
return {recorded, limit - count, wait}
"""

# KEYS[1] the set; ARGV[1] the time of the attempt to forget (microseconds).
_RELEASE = """
local found = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1], 'LIMIT', 0, 1)
if found[1] then
    redis.call('ZREM', KEYS[1], found[1])
end
return #found
"""


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


class RedisAttemptLog(AttemptLog):
    """Attempts kept in Redis, so that every instance sharing the server counts together.

    Besides being trimmed on use, a key expires in Redis ``window`` after its last recorded
    attempt, so idle keys do not pile up; the instances' clocks are assumed to agree.
    """

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._acquire = redis.register_script(_ACQUIRE)
        self._release = redis.register_script(_RELEASE)
        self._take = redis.register_script(_TAKE)

    async def acquire(
        self, key: str, limit: int, window: timedelta, now: datetime
    ) -> timedelta | None:
        if limit < 1:
            # Throttle never asks: to it a limit of 0 means unlimited.
            raise ValueError(f"limit must be at least 1, not {limit}")
        # Unique, so that two attempts at the same instant are two members.
        member = f"{_micros(now)}:{secrets.token_hex(8)}"
        with redis_calls():
            wait = await self._acquire(
                keys=[KEY_PREFIX + key],
                args=[_micros(now), window // _MICROSECOND, limit, member],
            )
        return None if wait is None else timedelta(microseconds=int(wait))

    async def take(self, key: str, limit: int, window: timedelta, now: datetime) -> Quota:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        member = f"{_micros(now)}:{secrets.token_hex(8)}"
        with redis_calls():
            recorded, remaining, wait = await self._take(
                keys=[KEY_PREFIX + key],
                args=[_micros(now), window // _MICROSECOND, limit, member],
            )
        return Quota(
            recorded=bool(recorded),
            remaining=max(0, int(remaining)),
            wait=timedelta(microseconds=int(wait)),
        )

    async def release(self, key: str, at: datetime) -> None:
        with redis_calls():
            await self._release(keys=[KEY_PREFIX + key], args=[_micros(at)])

    async def clear(self, key: str) -> None:
        with redis_calls():
            await self._redis.delete(KEY_PREFIX + key)
