"""A request's objects are freed when it ends, by reference counting."""

from __future__ import annotations

import gc

import httpx

from tests.support.api import register

# Where the server's per-request objects come from (httpx, the client, makes cycles of its own).
SERVER_PACKAGES = {"litestar", "dishka", "entrypoints", "adapters", "application", "domain"}


async def test_finished_requests_leave_no_cycles_for_the_garbage_collector(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client)
    await client.get("/api/v1/feed", headers=account.auth)  # lazily built caches first
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(3):
            for path in ("/api/v1/me", "/api/v1/feed", "/api/v1/users/nobody"):
                await client.get(path, headers=account.auth)
            await client.post("/api/v1/tweets", json={"text": "hi"}, headers=account.auth)
        gc.collect()
        cyclic = [
            type(thing).__qualname__
            for thing in gc.garbage
            if type(thing).__module__.partition(".")[0] in SERVER_PACKAGES
        ]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert cyclic == []
