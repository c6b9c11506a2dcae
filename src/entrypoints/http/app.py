"""The Litestar application factory."""

from __future__ import annotations

import gc

from dishka import Provider
from dishka.integrations.litestar import DishkaRouter, LitestarProvider, setup_dishka
from litestar import Controller, Litestar
from litestar.config.cors import CORSConfig
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import CONNECTION_STATE_KEY

from entrypoints.config import AppConfig
from entrypoints.di import make_container
from entrypoints.http.auth import BEARER_SCHEME, BearerAuthProvider, authentication
from entrypoints.http.controllers.admin_settings import AdminSettingsController
from entrypoints.http.controllers.auth import AuthController
from entrypoints.http.controllers.health import HealthController
from entrypoints.http.controllers.me import MeController
from entrypoints.http.controllers.media import MediaController
from entrypoints.http.controllers.notifications import NotificationsController
from entrypoints.http.controllers.relationships import RelationshipsController
from entrypoints.http.controllers.reposts import BookmarksController, RepostsController
from entrypoints.http.controllers.search import SearchController
from entrypoints.http.controllers.tags import TagsController
from entrypoints.http.controllers.tweets import FeedController, TweetsController
from entrypoints.http.controllers.uploads import MediaUploadsController
from entrypoints.http.controllers.users import UsersController
from entrypoints.http.docs_pages import OfflineRedoc, OfflineSwagger, docs_assets_router
from entrypoints.http.idempotency import settle_idempotent_writes
from entrypoints.http.links import LinksProvider
from entrypoints.http.metrics import RequestMetrics, metrics_handler
from entrypoints.http.operation_docs import document_operations
from entrypoints.http.problems import EXCEPTION_HANDLERS
from entrypoints.http.read_routing import note_writes, route_reads
from entrypoints.http.request_context import ResponseHeaders
from entrypoints.http.schemas import RequestBodySchemaPlugin
from entrypoints.http.strict_json import MAX_JSON_BODY_BYTES, StrictJsonRequest
from entrypoints.http.write_limits import WriteRateLimit
from entrypoints.logs import JsonFormatter
from entrypoints.metrics import check_multiprocess_mode
from entrypoints.worker import InProcessWorker

API_PREFIX = "/api/v1"


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Chirp",
        version="1.0.0",
        description="A Twitter-like social network API. Errors are RFC 9457 problem documents.",
        path="/schema",
        render_plugins=[OfflineSwagger(), OfflineRedoc()],
        components=Components(
            security_schemes={
                BEARER_SCHEME: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="JWT",
                    description="The access_token from /api/v1/auth/login.",
                )
            }
        ),
    )


class AllowHeader:
    """Works around Litestar 2's automatic OPTIONS handler, which answers with the methods of
    the first handler registered on a path only (litestar-org/litestar#4169, fixed in v3):
    ``Allow`` lists every method of the path."""

    def __init__(self) -> None:
        self._by_path: dict[str, bytes] = {}

    def learn(self, app: Litestar) -> None:
        for route in app.routes:
            if isinstance(route, HTTPRoute):
                self._by_path[route.path_format] = ", ".join(sorted(route.methods)).encode()

    async def before_send(self, message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
            return
        allow = self._by_path.get(scope.get("path_template", ""))
        if allow is None:
            return
        headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
        message["headers"] = [*headers, (b"allow", allow)]


def cors_config(origins: tuple[str, ...]) -> CORSConfig | None:
    """CORS for the configured origins only; none configured: no CORS headers at all."""
    if not origins:
        return None
    return CORSConfig(
        allow_origins=list(origins),
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
        expose_headers=[
            "Idempotent-Replayed",
            "Link",
            "Location",
            "RateLimit",
            "RateLimit-Policy",
            "Retry-After",
            "WWW-Authenticate",
            "X-Request-ID",
        ],
        max_age=600,
    )


def _own(controller: type[Controller]) -> type[Controller]:
    """A subclass for one app: DishkaRouter wraps a controller class's handlers in place,
    so registering the shared class in every app built (tests build hundreds) would wrap
    it again each time."""
    return type(controller.__name__, (controller,), {})


def create_app(config: AppConfig, *override_providers: Provider) -> Litestar:
    """The app for ``config``; ``override_providers`` replace what they provide (for tests)."""
    container = make_container(
        config, BearerAuthProvider(), LinksProvider(), LitestarProvider(), *override_providers
    )
    write_limit = WriteRateLimit(exempt_prefix=f"{API_PREFIX}/auth/")
    replicas = bool(config.read_replica_urls)
    api = DishkaRouter(
        API_PREFIX,
        route_handlers=[
            _own(AuthController),
            _own(MeController),
            _own(AdminSettingsController),
            _own(UsersController),
            _own(TweetsController),
            _own(FeedController),
            _own(MediaUploadsController),
            _own(TagsController),
            _own(RepostsController),
            _own(RelationshipsController),
            _own(BookmarksController),
            _own(NotificationsController),
            _own(SearchController),
        ],
        middleware=[authentication, write_limit.middleware, *([route_reads] if replicas else [])],
    )
    root = DishkaRouter("/", route_handlers=[_own(HealthController), _own(MediaController)])

    allow_header = AllowHeader()

    worker = InProcessWorker(container)

    async def start_worker() -> None:
        if config.in_process_worker:
            await worker.start()

    async def close_container() -> None:
        await worker.stop()
        await container.close()

    app = Litestar(
        route_handlers=[api, root, docs_assets_router(), metrics_handler(config.metrics_token)],
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=openapi_config(),
        request_max_body_size=MAX_JSON_BODY_BYTES,
        on_startup=[start_worker],
        on_shutdown=[close_container],
        request_class=StrictJsonRequest,
        plugins=[RequestBodySchemaPlugin()],
        before_send=[
            allow_header.before_send,
            ResponseHeaders().before_send,
            write_limit.before_send,
            *([note_writes] if replicas else []),
        ],
        cors_config=cors_config(config.cors_origins),
        # Litestar's queued, non-blocking log handler, writing one JSON object per line.
        logging_config=LoggingConfig(formatters={"standard": {"()": JsonFormatter}}),
    )
    allow_header.learn(app)
    document_operations(
        app, lambda method, path: path.startswith(API_PREFIX) and write_limit.counts(method, path)
    )
    setup_dishka(container, app)
    # Outside dishka's request scope: a keyed write's outcome is stored once its
    # transaction is over, before its response leaves.
    app.asgi_handler = settle_idempotent_writes(
        RequestMetrics(release_request_objects(app.asgi_handler))
    )
    return app


# What Litestar and dishka keep for a request in ``scope["state"]``.
_REQUEST_OBJECTS = (CONNECTION_STATE_KEY, "dishka_container")


def release_request_objects(handler: ASGIApp) -> ASGIApp:
    """Drops the request's objects from its scope once the response is done.

    dishka's request container keeps the ``Request`` in its context and the scope keeps the
    container: a reference cycle per request, so every request's objects (its session,
    repositories, use cases) waited for the cyclic garbage collector, whose full passes took
    20-45 ms per worker, stalling every request in flight. Broken here, reference counting
    frees them when the request ends.
    """

    async def release_after(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await handler(scope, receive, send)
        finally:
            state = scope.get("state")
            if state is not None:
                for key in _REQUEST_OBJECTS:
                    state.pop(key, None)

    return release_after


def app_from_env() -> Litestar:
    """The app configured by the environment: the ASGI server's factory.

    What exists by now (modules, the app, its routes: about 110k objects) lives as long as
    the worker, so it is frozen out of the garbage collector's full passes, which otherwise
    scan it all: about 20 ms each, every few seconds under load, stalling every request.
    """
    check_multiprocess_mode()
    app = create_app(AppConfig.from_env())
    gc.collect()
    gc.freeze()
    return app
