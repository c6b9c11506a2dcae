"""Reads that may lag go to a read replica (``CHIRP_READ_REPLICA_URLS``), unless the caller
wrote lately.

A route opts in with ``opt=PUBLIC_PAGE`` (optional sign-in) or ``opt=MAY_LAG``: public
pages and the caller's feed. A middleware on the API router, after authentication, lets
such a request's reads go to a replica unless ``ReadYourWrites`` says its caller wrote in
the last few seconds. A ``before_send`` hook notes a signed-in caller's successful write as
its response starts, before the client can read anything again. With no replica
configured, neither is installed: every read is the primary's.

(Neither keeps state of its own: Litestar copies a router's middleware for each route.)
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, cast

from dishka import AsyncContainer
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from application.read_routing import ReadYourWrites, allowing_stale_reads
from entrypoints.http.auth import OPTIONAL_AUTH, verified_claims
from entrypoints.http.write_limits import WRITE_METHODS

_READS = "reads"
MAY_LAG: Mapping[str, str] = MappingProxyType({_READS: "may_lag"})
PUBLIC_PAGE: Mapping[str, str] = MappingProxyType({**OPTIONAL_AUTH, **MAY_LAG})
_READ_METHODS = frozenset({"GET", "HEAD"})


def may_lag(scope: Scope) -> bool:
    """Whether the route of ``scope`` opted in to reads from a replica."""
    handler = scope.get("route_handler")
    return handler is not None and handler.opt.get(_READS) == MAY_LAG[_READS]


async def _read_your_writes(scope: Scope) -> ReadYourWrites:
    container: AsyncContainer = scope["litestar_app"].state.dishka_container
    return await container.get(ReadYourWrites)


def route_reads(app: ASGIApp) -> ASGIApp:
    """Middleware for the API router: lets the reads of a route that opted in go to a
    replica unless the caller wrote lately."""

    async def routed(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method") in _READ_METHODS and may_lag(scope):
            claims = verified_claims(scope)
            policy = await _read_your_writes(scope)
            if await policy.may_read_stale(None if claims is None else claims.user_id):
                with allowing_stale_reads():
                    await app(scope, receive, send)
                return
        await app(scope, receive, send)

    return routed


async def note_writes(message: Message, scope: Scope) -> None:
    """``before_send`` hook: a signed-in caller's successful write, as its response starts."""
    if message["type"] != "http.response.start" or message["status"] >= 400:
        return
    if cast(dict[str, Any], scope).get("method") not in WRITE_METHODS:
        return
    claims = verified_claims(scope)
    if claims is not None:
        await (await _read_your_writes(scope)).wrote(claims.user_id)
