"""Bearer authentication: the access token is verified with no database call."""

from __future__ import annotations

from typing import Any

from dishka import Provider, Scope, provide
from litestar import Request

from application.ports.access_tokens import AccessClaims, AccessTokens
from domain.errors import AuthenticationFailed, InvalidAccessToken

BEARER_SCHEME = "BearerToken"
BEARER_SECURITY: list[dict[str, list[str]]] = [{BEARER_SCHEME: []}]


class MissingCredentials(AuthenticationFailed):
    code = "not_authenticated"
    default_detail = "This endpoint needs an access token: 'Authorization: Bearer <token>'."


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
    """The token of an ``Authorization: Bearer`` header, None when there is no header."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidAccessToken
    return token.strip()


class BearerAuthProvider(Provider):
    """Makes the caller's verified claims available to handlers that ask for them."""

    @provide(scope=Scope.REQUEST)
    def access_claims(
        self,
        request: Request,  # type: ignore[type-arg]  # dishka keys on the bare class
        tokens: AccessTokens,
    ) -> AccessClaims:
        token = bearer_token(request)
        if token is None:
            raise MissingCredentials
        return tokens.verify(token)
