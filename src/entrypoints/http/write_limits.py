"""The write rate limit over HTTP: ``writes_per_user_per_hour`` and the IETF RateLimit headers.

A middleware on the API router, after authentication (the user is the access token's):
it counts an authenticated POST, PUT, PATCH or DELETE outside ``/auth/*`` before the handler
runs, so a refused write (429 ``too_many_requests``, ``Retry-After``) changes nothing. A
``before_send`` hook, not the middleware's own send, puts the headers on the response:
problem documents made from errors raised in middleware (a malformed Idempotency-Key)
are sent past the middleware, and they count too. The hook also takes a write back when it
turns out not to be one: an idempotent replay, or a 429 of another limit.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from dishka import AsyncContainer
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from application.write_limits import CountedWrite, WriteLimits
from entrypoints.http.auth import verified_claims
from entrypoints.http.idempotency import is_replay
from entrypoints.http.request_context import log_extra

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_COUNTED = "chirp.counted_write"
logger = logging.getLogger("chirp.http")


class WriteRateLimit:
    """``middleware`` for the API router and ``before_send`` for the app; writes under
    ``exempt_prefix`` (the auth endpoints, throttled their own way) are not counted."""

    def __init__(self, exempt_prefix: str) -> None:
        self._exempt = exempt_prefix

    def counts(self, method: str, path: str) -> bool:
        """Whether a request with ``method`` to ``path`` (under the API) is a counted write
        (when its caller is signed in)."""
        return method in WRITE_METHODS and not path.startswith(self._exempt)

    def middleware(self, app: ASGIApp) -> ASGIApp:
        async def count_writes(scope: Scope, receive: Receive, send: Send) -> None:
            if self.counts(str(scope.get("method", "")), scope["path"]):
                claims = verified_claims(scope)
                if claims is not None:
                    container: AsyncContainer = scope["state"]["dishka_container"]
                    limits = await container.get(WriteLimits)
                    counted = await limits.count(claims.user_id)  # or TooManyWrites
                    if counted is not None:
                        cast(dict[str, Any], scope)[_COUNTED] = (limits, counted)
            await app(scope, receive, send)

        return count_writes

    async def before_send(self, message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        entry: tuple[WriteLimits, CountedWrite] | None = cast(dict[str, Any], scope).get(_COUNTED)
        if entry is None:
            return
        limits, counted = entry
        if is_replay(scope) or message["status"] == 429:
            try:
                await limits.forget(counted)
            except Exception as error:  # the response stands; the write stays counted
                logger.warning(
                    "could not take back a write: %s",
                    type(error).__name__,
                    extra=log_extra(scope),
                )
            return
        message["headers"] = [
            *(message.get("headers") or ()),
            (
                b"ratelimit-policy",
                f'"writes";q={counted.limit};w={counted.window_seconds}'.encode(),
            ),
            (b"ratelimit", f'"writes";r={counted.remaining};t={counted.reset_seconds}'.encode()),
        ]
