"""Bearer authentication: the access token is verified with no database call."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking on an endpoint where signing in is optional."""

    claims: AccessClaims | None

    @property
    def user_id(self) -> int | None:
        return None if self.claims is None else self.claims.user_id


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

    @provide(scope=Scope.REQUEST)
    def viewer(
        self,
        request: Request,  # type: ignore[type-arg]
        tokens: AccessTokens,
    ) -> Viewer:
        """Anonymous without a header; a header with a bad token is still a 401."""
        token = bearer_token(request)
        return Viewer(None if token is None else tokens.verify(token))
