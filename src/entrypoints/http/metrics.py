"""``GET /metrics`` and the middleware that counts every request for it; the same endpoint
alone, for a standalone ``chirp worker`` (``metrics_app``).

Not Litestar's ``PrometheusConfig``/``PrometheusController``: its middleware is attached to
the routes, so requests that match none (404s, 405s: what a scanner sends) are never
counted; it builds a ``Request`` and label dictionaries and moves an in-progress gauge on
every request; and its controller has no access rule. This middleware wraps the whole app
and keeps the labelled series it has met, so a request costs a dictionary lookup and one
histogram observation.
"""

from __future__ import annotations

import asyncio
import hmac
from enum import Enum
from http import HTTPStatus
from ipaddress import IPv6Address, ip_address
from time import perf_counter
from typing import Any

from dishka import AsyncContainer
from litestar import Litestar, Request, Response, get
from litestar.datastructures import State
from litestar.enums import ScopeType
from litestar.handlers import HTTPRouteHandler
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from application.errors import DependencyUnavailable
from application.ports.job_worker import JobWorker
from entrypoints.http.problems import EXCEPTION_HANDLERS, problem
from entrypoints.metrics import CONTENT_TYPE, HTTP_REQUEST_DURATION, exposition, record_backlog

# Any other method (a client may send any token) is counted as "other": bounded labels.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The route of a request that matched none (404, or 405 for a method the path lacks).
UNMATCHED_ROUTE = "unmatched"
# Headers a proxy adds when it relays a request: their presence means the peer is a relay.
_FORWARDING_HEADERS = frozenset({"forwarded", "x-forwarded-for", "x-real-ip"})


class RequestMetrics:
    """ASGI middleware: observes each HTTP request's duration by method, route template and
    status, once the app has answered it."""

    __slots__ = ("_app", "_series")

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        # (method, route, status) -> its histogram; bounded by the routes and statuses.
        self._series: dict[tuple[str, str, int], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        status = HTTPStatus.INTERNAL_SERVER_ERROR.value  # if the app fails before answering

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = perf_counter()
        try:
            await self._app(scope, receive, send_noting_status)
        finally:
            self._record(scope, status, perf_counter() - started)

    def _record(self, scope: HTTPScope, status: int, seconds: float) -> None:
        method: str = scope["method"]
        if method not in _METHODS:
            method = "other"  # before the lookup too: no key per method a client invents
        key = (method, scope.get("path_template") or UNMATCHED_ROUTE, status)
        series = self._series.get(key)
        if series is None:
            series = HTTP_REQUEST_DURATION.labels(key[0], key[1], str(status))
            self._series[key] = series
        series.observe(seconds)


class MetricsAccess(Enum):
    ALLOWED = "allowed"
    UNAUTHENTICATED = "unauthenticated"  # 401: the token is set and was not presented
    FORBIDDEN = "forbidden"  # 403: no token is set and the client is not on this machine


def metrics_access(
    *, token: str | None, authorization: str | None, peer: str | None, relayed: bool
) -> MetricsAccess:
    """Who may read the metrics.

    With a token configured: whoever presents it (``Authorization: Bearer <token>``,
    compared in constant time), wherever they are. Without one: clients on this machine,
    that is a loopback peer (the TCP peer, never ``X-Forwarded-For``) whose request no proxy
    relayed (``relayed``: it carries a forwarding header). A reverse proxy on the same
    machine connects from loopback for every client it relays: its forwarding headers are
    all that tells those apart from a local scraper; they can only refuse, never admit.
    """
    if token is not None:
        scheme, _, presented = (authorization or "").strip().partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            presented.strip().encode("latin-1", "replace"), token.encode()
        ):
            return MetricsAccess.ALLOWED
        return MetricsAccess.UNAUTHENTICATED
    if relayed or not _is_loopback(peer):
        return MetricsAccess.FORBIDDEN
    return MetricsAccess.ALLOWED


def _is_loopback(peer: str | None) -> bool:
    try:
        address = ip_address(peer or "")
    except ValueError:
        return False  # no address (e.g. a Unix socket's peer): not known to be local
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback  # ::ffff:127.0.0.1
    return address.is_loopback


async def _read_backlog(request: Request[Any, Any, Any]) -> None:
    """The queue's depth, oldest job and parked jobs, as the database says now (whichever
    process does the work); left as they were while the database cannot say.

    The container is the app's (``app.state.dishka_container``): dishka's ``setup_dishka``
    puts it there in the API's app, ``metrics_app`` in a worker's."""
    worker = await request.app.state.dishka_container.get(JobWorker)
    try:
        backlog = await worker.backlog()
    except DependencyUnavailable:
        return
    record_backlog(backlog.queued, backlog.oldest_seconds, backlog.failed)


def metrics_handler(token: str | None) -> HTTPRouteHandler:
    """``GET /metrics`` for a server whose ``CHIRP_METRICS_TOKEN`` is ``token``."""

    @get("/metrics", include_in_schema=False)
    async def metrics(request: Request[Any, Any, Any]) -> Response[Any]:
        access = metrics_access(
            token=token,
            authorization=request.headers.get("authorization"),
            peer=request.client.host if request.client else None,
            relayed=any(name in _FORWARDING_HEADERS for name in request.headers),
        )
        if access is MetricsAccess.UNAUTHENTICATED:
            presented = "authorization" in request.headers
            return problem(
                HTTPStatus.UNAUTHORIZED,
                "not_authenticated",
                "The metrics need the bearer token set in CHIRP_METRICS_TOKEN.",
                headers={
                    "WWW-Authenticate": 'Bearer error="invalid_token"' if presented else "Bearer"
                },
            )
        if access is MetricsAccess.FORBIDDEN:
            return problem(
                HTTPStatus.FORBIDDEN,
                "metrics_local_only",
                "Without CHIRP_METRICS_TOKEN, the metrics are served only to clients on the "
                "server's own machine, not through a proxy.",
            )
        await _read_backlog(request)
        body = await asyncio.to_thread(exposition)
        return Response(body, media_type=CONTENT_TYPE)

    return metrics


def metrics_app(container: AsyncContainer, token: str | None) -> Litestar:
    """``GET /metrics`` alone, for a standalone ``chirp worker --metrics-port``: the same
    handler as ``chirp serve``'s (access rule, series, the queue read at scrape time from
    ``container``'s ``JobWorker``), a problem document for anything else (404, or 405 for
    another method on ``/metrics``). Its own requests are not counted: a worker answers no
    API requests, so ``chirp_http_request_duration_seconds`` has no series there.
    """
    return Litestar(
        route_handlers=[metrics_handler(token)],
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=None,
        logging_config=None,  # the worker's JSON logging stays as `chirp` configured it
        state=State({"dishka_container": container}),
    )
