"""The Redis client of ``CHIRP_REDIS_URL``: one server, or the master a Sentinel names."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.asyncio.sentinel import Sentinel

from entrypoints.config import redis_sentinel

# Bounded waits: an unreachable server becomes a 503 in seconds, not a hung request. The
# Sentinels are asked with the same bounds.
TIMEOUT = 2.0


@asynccontextmanager
async def redis_client(url: str) -> AsyncIterator[Redis]:
    """A client of the server ``url`` names, closed on the way out.

    With ``redis+sentinel://`` each new connection asks the Sentinels for the current master,
    and a connection to a master that died or became a replica is dropped: after a failover
    the client follows the promoted replica by itself. While there is no master, commands
    fail with a ``ConnectionError`` (``MasterNotFoundError``), as for an unreachable server.
    """
    target = redis_sentinel(url)
    if target is None:
        client = Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
        try:
            yield client
        finally:
            await client.aclose()
        return
    sentinels = Sentinel(
        target.sentinels,
        sentinel_kwargs={
            "socket_timeout": TIMEOUT,
            "socket_connect_timeout": TIMEOUT,
            "username": target.sentinel_username,
            "password": target.sentinel_password,
        },
        socket_timeout=TIMEOUT,
        socket_connect_timeout=TIMEOUT,
    )
    master = sentinels.master_for(
        target.service, db=target.db, username=target.username, password=target.password
    )
    try:
        yield master
    finally:
        try:
            await master.aclose()  # the Sentinel does not close the clients it made
        finally:
            await sentinels.aclose()
