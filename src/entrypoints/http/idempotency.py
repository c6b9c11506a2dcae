"""``Idempotency-Key`` over HTTP: reading the key, digesting the body, replaying responses.

Two parts, because a response must be stored after the request's own transaction ended
(on SQLite a transaction left open by a failed use case holds the write lock until dishka
closes the request's unit of work) and before the client can see it (or a client's
immediate retry would find the key still in progress):

- ``idempotency_keys``, the route middleware a keyed endpoint lists (one line: POST
  /tweets, POST /media), validates the key, digests the body and claims the key, or sends
  the first response again, or refuses (409 in use, 422 another body);
- ``settle_idempotent_writes``, around the whole app, holds back a claimed request's
  response until the request is over, stores it (or releases the claim on a 5xx or 429),
  then sends it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any, cast

import msgspec
from dishka import AsyncContainer
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from application.idempotency import Claimed, IdempotentRequests, Replay
from application.ports.idempotency_keys import KeyedRequest, StoredResponse
from domain.errors import ValidationError
from entrypoints.http.auth import verified_claims
from entrypoints.http.request_context import log_extra
from entrypoints.http.strict_json import media_type

HEADER = b"idempotency-key"
REPLAYED_HEADER = (b"idempotent-replayed", b"true")
# What a replay repeats besides status and body.
_KEPT_HEADERS = frozenset({b"content-type", b"location"})
_PENDING = "chirp.idempotency.pending"
_REPLAYED = "chirp.idempotency.replayed"
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
logger = logging.getLogger("chirp.http")


def parsed_key(scope: Scope) -> str | None:
    """The request's Idempotency-Key: 1-255 visible ASCII characters, given once."""
    values = [value for name, value in scope["headers"] if name.lower() == HEADER]
    if not values:
        return None
    if len(values) > 1:
        raise ValidationError.single("Idempotency-Key", "must be given once")
    value = values[0]
    if not 1 <= len(value) <= 255 or any(not 0x21 <= byte <= 0x7E for byte in value):
        raise ValidationError.single(
            "Idempotency-Key", "must be 1-255 visible ASCII characters (no spaces)"
        )
    return value.decode("ascii")


def fingerprint(content_type: str, body: bytes) -> str:
    """A digest of the body as the endpoint reads it: equal JSON (whatever its key order
    and spacing) has one digest; anything else (multipart) is digested byte for byte."""
    if content_type == "application/json" or content_type.endswith("+json"):
        canonical = _canonical_json(body)
        if canonical is not None:
            return hashlib.sha256(b"json:" + canonical).hexdigest()
    return hashlib.sha256(b"bytes:" + body).hexdigest()


def _canonical_json(body: bytes) -> bytes | None:
    """``body`` re-encoded with sorted keys and no spaces; None if it is not JSON (or nests
    too deeply to re-encode): the handler refuses it, and its bytes are digested."""
    try:
        value = msgspec.json.decode(body)
        return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError, ValueError):
        return None


def is_replay(scope: Scope) -> bool:
    """Whether this request was answered with a key's first response (not a write)."""
    return bool(cast(dict[str, Any], scope).get(_REPLAYED))


@dataclass
class _Pending:
    """A claimed request and its response as the handler sends it."""

    requests: IdempotentRequests
    claimed: Claimed
    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)
    complete: bool = False

    def record(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = [
                (name.decode("latin-1").lower(), value.decode("latin-1"))
                for name, value in message.get("headers") or ()
                if name.lower() in _KEPT_HEADERS
            ]
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")
            if not message.get("more_body", False):
                self.complete = True

    async def settle(self) -> None:
        response = None
        if self.complete and self.status is not None:
            response = StoredResponse(self.status, tuple(self.headers), bytes(self.body))
        await self.requests.finish(self.claimed, response)


def idempotency_keys(app: ASGIApp) -> ASGIApp:
    """Route middleware: the route honours ``Idempotency-Key`` (a route that needs a token)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        key = parsed_key(scope)
        claims = verified_claims(scope)
        if key is None or claims is None:
            await app(scope, receive, send)
            return
        litestar = scope["litestar_app"]
        # Read (and kept for the handler) within the route's body limit.
        request = litestar.request_class(scope, receive)
        body = await request.body()
        container: AsyncContainer = litestar.state.dishka_container
        requests = await container.get(IdempotentRequests)
        endpoint = f"{scope.get('method')} {scope['path'].rstrip('/')}"
        outcome = await requests.begin(
            KeyedRequest(claims.user_id, endpoint, key, fingerprint(media_type(request), body))
        )
        if isinstance(outcome, Replay):
            cast(dict[str, Any], scope)[_REPLAYED] = True
            await _send(outcome.response, send)
            return
        pending = _Pending(requests, outcome)
        cast(dict[str, Any], scope)[_PENDING] = pending

        async def recording(message: Message) -> None:
            pending.record(message)
            await send(message)

        await app(scope, receive, recording)

    return middleware


async def _send(response: StoredResponse, send: Send) -> None:
    headers = [
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in response.headers
    ]
    headers += [(b"content-length", str(len(response.body)).encode()), REPLAYED_HEADER]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body, "more_body": False})


def settle_idempotent_writes(app: ASGIApp) -> ASGIApp:
    """Around the whole app (outside dishka's request scope): a claimed request's response
    is held until the request is over, its outcome stored, and then sent."""

    async def settle(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method") not in _UNSAFE_METHODS:  # not HTTP, or a safe method
            await app(scope, receive, send)
            return
        state = cast(dict[str, Any], scope)
        held: list[Message] = []

        async def hold(message: Message) -> None:
            if _PENDING in state:
                held.append(message)
            else:
                await send(message)

        try:
            await app(scope, receive, hold)
        finally:
            pending: _Pending | None = state.pop(_PENDING, None)
            if pending is not None:
                try:
                    await pending.settle()
                except Exception as error:  # the response stands; the claim ages out
                    logger.warning(
                        "could not store an idempotent response: %s",
                        type(error).__name__,
                        extra=log_extra(scope),
                    )
        for message in held:
            await send(message)

    return settle
