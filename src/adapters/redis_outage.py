"""Which Redis failures mean "Redis cannot answer now" (a ``DependencyUnavailable``): the one
place this rule lives for the Redis adapters."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from redis.exceptions import ConnectionError, ReadOnlyError, TimeoutError

from application.errors import DependencyUnavailable

REDIS = "redis"
# Unreachable, too slow, still loading its data (BusyLoadingError is a ConnectionError), or
# a replica that has not been promoted yet (ReadOnlyError). OSError: the socket itself.
_UNAVAILABLE = (ConnectionError, TimeoutError, ReadOnlyError, OSError)


@contextmanager
def redis_calls() -> Iterator[None]:
    """Calls to Redis inside this block fail as ``DependencyUnavailable`` when Redis cannot
    answer; any other error is left as it is (a bug)."""
    try:
        yield
    except _UNAVAILABLE as error:
        raise DependencyUnavailable(REDIS, type(error).__name__) from error
