from __future__ import annotations

import hmac
import logging
from hashlib import sha256
from typing import Any

from dishka import FromDishka
from litestar import Controller, Request, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from application.ports.access_tokens import AccessClaims
from application.use_cases.log_in import LogIn, LogInCommand
from application.use_cases.log_out import LogOut, LogOutCommand
from application.use_cases.log_out_everywhere import LogOutEverywhere, LogOutEverywhereCommand
from application.use_cases.register_user import RegisterUser, RegisterUserCommand
from application.use_cases.rotate_refresh_token import (
    RotateRefreshToken,
    RotateRefreshTokenCommand,
)
from domain.errors import InvalidCredentials, RefreshTokenReused, TooManyAttempts
from domain.users import canonical_email
from entrypoints.config import AppConfig
from entrypoints.http.auth import BEARER_SECURITY, PRIVATE
from entrypoints.http.client_address import address_group, client_address
from entrypoints.http.links import Links
from entrypoints.http.problems import documented
from entrypoints.http.request_context import audit
from entrypoints.http.responses import RegisterResponse, TokenPairResponse, UserPrivate
from entrypoints.http.schemas import LoginRequest, RefreshTokenRequest, RegisterRequest


def identifier_digest(secret: bytes, identifier: str) -> str:
    """A keyed digest of a login name that matches no account, for the log: it links
    attempts at one name without writing the name (often a mistyped password) down."""
    key = hmac.new(secret, b"chirp/log/login-identifier", sha256).digest()
    return hmac.new(key, canonical_email(identifier).encode(), sha256).hexdigest()[:16]


def _audit_throttled(
    request: Request[Any, Any, Any], action: str, address: str, error: TooManyAttempts
) -> None:
    audit(
        request.scope,
        "throttled",
        f"too many {action} attempts",
        logging.WARNING,
        action=action,
        address=address,
        retry_after=error.retry_after,
    )


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]
    # Token responses must never be stored by a cache (RFC 6749 section 5.1).
    cache_control = PRIVATE

    @post(
        "/register",
        status_code=HTTP_201_CREATED,
        responses=documented(400, 409, 413, 429),
    )
    async def register(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[RegisterRequest],
        register_user: FromDishka[RegisterUser],
        links: FromDishka[Links],
        config: FromDishka[AppConfig],
    ) -> RegisterResponse:
        """Open an account; the response carries the first token pair."""
        address = client_address(request, config.trusted_proxies)
        try:
            result = await register_user(
                RegisterUserCommand(
                    username=data.username,
                    email=data.email,
                    password=data.password,
                    password_confirm=data.password_confirm,
                    first_name=data.first_name,
                    last_name=data.last_name,
                    bio=data.bio,
                    client_address=address_group(address),
                )
            )
        except TooManyAttempts as error:
            _audit_throttled(request, "register", address, error)
            raise
        audit(request.scope, "user_registered", "user registered", user_id=result.user.id)
        return RegisterResponse(
            user=UserPrivate.of(result.user, links), tokens=TokenPairResponse.of(result.tokens)
        )

    @post(
        "/login",
        status_code=HTTP_200_OK,
        responses=documented(400, 401, 413, 429),
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LoginRequest],
        log_in: FromDishka[LogIn],
        config: FromDishka[AppConfig],
    ) -> TokenPairResponse:
        """Log in with exactly one of username or email, and the password."""
        address = client_address(request, config.trusted_proxies)
        try:
            pair = await log_in(
                LogInCommand(
                    password=data.password,
                    username=data.username,
                    email=data.email,
                    client_address=address_group(address),
                )
            )
        except InvalidCredentials as error:
            who: dict[str, Any] = {"user_id": error.user_id}
            if error.user_id is None:
                identifier = data.username if data.username is not None else data.email
                who["identifier_digest"] = identifier_digest(config.jwt_secret, identifier or "")
            audit(
                request.scope,
                "login_failed",
                "login failed",
                logging.WARNING,
                reason=error.reason,
                address=address,
                **who,
            )
            raise
        except TooManyAttempts as error:
            _audit_throttled(request, "login", address, error)
            raise
        audit(
            request.scope,
            "login_succeeded",
            "login succeeded",
            user_id=pair.user_id,
            session_id=pair.session_id,
        )
        return TokenPairResponse.of(pair)

    @post(
        "/refresh",
        status_code=HTTP_200_OK,
        responses=documented(400, 401, 413),
    )
    async def refresh(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[RefreshTokenRequest],
        rotate: FromDishka[RotateRefreshToken],
    ) -> TokenPairResponse:
        """Rotate a refresh token: the old one stops working, a new pair is issued."""
        try:
            pair = await rotate(RotateRefreshTokenCommand(refresh_token=data.refresh_token))
        except RefreshTokenReused as error:
            audit(
                request.scope,
                "refresh_token_reused",
                "refresh token reused: session revoked",
                logging.WARNING,
                session_id=error.session_id,
                user_id=error.user_id,
            )
            raise
        return TokenPairResponse.of(pair)

    @post("/logout", status_code=HTTP_204_NO_CONTENT, responses=documented(400, 401, 413))
    async def logout(
        self, data: JSONBody[RefreshTokenRequest], log_out: FromDishka[LogOut]
    ) -> None:
        """End the session of this refresh token."""
        await log_out(LogOutCommand(refresh_token=data.refresh_token))

    @post(
        "/logout-all",
        status_code=HTTP_204_NO_CONTENT,
        security=BEARER_SECURITY,
        responses=documented(401),
    )
    async def logout_all(
        self,
        request: Request[Any, Any, Any],
        claims: FromDishka[AccessClaims],
        log_out_everywhere: FromDishka[LogOutEverywhere],
    ) -> None:
        """End every session of the caller."""
        await log_out_everywhere(LogOutEverywhereCommand(user_id=claims.user_id))
        audit(
            request.scope,
            "logged_out_everywhere",
            "every session ended",
            user_id=claims.user_id,
            session_id=claims.session_id,
        )
