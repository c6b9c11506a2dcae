"""Bearer authentication: the access token is verified with no database call.

A middleware checks the token before Litestar reads the request's body or query, so a caller
without a valid token hears 401 whatever else is wrong with the request. Routes that declare
the bearer security scheme need a token; routes with ``opt=OPTIONAL_AUTH`` accept one (a bad
one is still a 401); other routes ignore the header.
A token of a deactivated account is refused too (``RevokedTokens``: from memory, at most a few
seconds stale). The verified claims are kept in the ASGI scope for the handler's dependencies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Any, cast

from dishka import AsyncContainer, Provider, Scope, provide
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import CacheControlHeader
from litestar.handlers import HTTPRouteHandler
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Send
from litestar.types import Scope as ASGIScope

from application.ports.access_tokens import AccessClaims, AccessTokens
from application.ports.revoked_tokens import RevokedTokens
from domain.errors import AuthenticationFailed, InvalidAccessToken

BEARER_SCHEME = "BearerToken"
BEARER_SECURITY: list[dict[str, list[str]]] = [{BEARER_SCHEME: []}]
# The ``cache_control`` of routes whose responses are for the caller alone (tokens, one's own
# account, what only administrators see): no cache, the browser's included, may keep them.
PRIVATE = CacheControlHeader(no_store=True)
# The ``opt`` of a route where signing in is optional: a token, if sent, is verified (and its
# ``Viewer`` is the caller), so a bad one is a 401 even where the handler does not use it.
OPTIONAL_AUTH: Mapping[str, str] = MappingProxyType({"auth": "optional"})
_CLAIMS = "chirp.access_claims"


def verified_claims(scope: ASGIScope) -> AccessClaims | None:
    """The claims the authentication middleware verified for this request, if any."""
    claims: AccessClaims | None = cast(dict[str, Any], scope).get(_CLAIMS)
    return claims


class MissingCredentials(AuthenticationFailed):
    code = "not_authenticated"
    default_detail = "This endpoint needs an access token: 'Authorization: Bearer <token>'."


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The token of an ``Authorization: Bearer`` header, None when there is no header."""
    return _bearer(connection.scope["headers"])


def _bearer(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    header = next((v for k, v in headers if k.lower() == b"authorization"), None)
    if header is None:
        return None
    scheme, _, token = header.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidAccessToken
    return token.strip()


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking on an endpoint where signing in is optional."""

    claims: AccessClaims | None

    @property
    def user_id(self) -> int | None:
        return None if self.claims is None else self.claims.user_id


class _Needs(Enum):
    NOTHING = "nothing"
    OPTIONAL = "optional"
    REQUIRED = "required"


def _needs(handler: BaseRouteHandler) -> _Needs:
    """Worked out on a route's first request and kept in its ``opt``."""
    needs: _Needs | None = handler.opt.get(_CLAIMS)
    if needs is None:
        if not isinstance(handler, HTTPRouteHandler) or "OPTIONS" in handler.http_methods:
            needs = _Needs.NOTHING  # a preflight never carries credentials
        elif any(BEARER_SCHEME in entry for entry in handler.resolve_security()):
            needs = _Needs.REQUIRED
        elif handler.opt.get("auth") == "optional":
            needs = _Needs.OPTIONAL
        else:
            needs = _Needs.NOTHING
        handler.opt[_CLAIMS] = needs
    return needs


async def _verified(token: str, tokens: AccessTokens, revoked: RevokedTokens) -> AccessClaims:
    claims = tokens.verify(token)
    if await revoked.voids(claims):
        raise InvalidAccessToken
    return claims


def authentication(app: ASGIApp) -> ASGIApp:
    """Middleware for the API's routes: a 401 before anything else reads the request when the
    route's token is missing or bad. (A Litestar guard would do, but Litestar copies the
    route handler for every guard call: measurably slower on every request.)"""
    checks: list[tuple[AccessTokens, RevokedTokens]] = []

    async def middleware(scope: ASGIScope, receive: Receive, send: Send) -> None:
        needs = _needs(scope["route_handler"])
        if needs is not _Needs.NOTHING:
            token = _bearer(scope["headers"])
            if token is not None:
                if not checks:
                    container: AsyncContainer = scope["litestar_app"].state.dishka_container
                    checks.append(
                        (await container.get(AccessTokens), await container.get(RevokedTokens))
                    )
                cast(dict[str, Any], scope)[_CLAIMS] = await _verified(token, *checks[0])
            elif needs is _Needs.REQUIRED:
                raise MissingCredentials
        await app(scope, receive, send)

    return middleware


class BearerAuthProvider(Provider):
    """Makes the caller's verified claims available to handlers that ask for them."""

    @provide(scope=Scope.REQUEST)
    async def access_claims(
        self,
        request: Request,  # type: ignore[type-arg]  # dishka keys on the bare class
        tokens: AccessTokens,
        revoked: RevokedTokens,
    ) -> AccessClaims:
        claims = await _claims(request, tokens, revoked)
        if claims is None:
            raise MissingCredentials
        return claims

    @provide(scope=Scope.REQUEST)
    async def viewer(
        self,
        request: Request,  # type: ignore[type-arg]
        tokens: AccessTokens,
        revoked: RevokedTokens,
    ) -> Viewer:
        """Anonymous without a header; a header with a bad token is still a 401."""
        return Viewer(await _claims(request, tokens, revoked))


async def _claims(
    request: Request[Any, Any, Any], tokens: AccessTokens, revoked: RevokedTokens
) -> AccessClaims | None:
    claims: AccessClaims | None = cast(dict[str, Any], request.scope).get(_CLAIMS)
    if claims is not None:
        return claims
    token = bearer_token(request)  # a route the guard did not cover
    return None if token is None else await _verified(token, tokens, revoked)
