from __future__ import annotations

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
from entrypoints.http.auth import BEARER_SECURITY
from entrypoints.http.links import Links
from entrypoints.http.problems import documented
from entrypoints.http.schemas import (
    LoginRequest,
    RefreshTokenRequest,
    RegisterRequest,
    RegisterResponse,
    TokenPairResponse,
    UserPrivate,
)


def client_address(request: Request[Any, Any, Any]) -> str:
    """The peer's address (trusted proxies are not configured yet, so no X-Forwarded-For)."""
    return request.client.host if request.client else "unknown"


# Token responses must never be stored by a cache (RFC 6749 section 5.1).
NO_STORE = {"Cache-Control": "no-store"}


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post(
        "/register",
        status_code=HTTP_201_CREATED,
        response_headers=NO_STORE,
        responses=documented(400, 409, 413, 429),
    )
    async def register(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[RegisterRequest],
        register_user: FromDishka[RegisterUser],
        links: FromDishka[Links],
    ) -> RegisterResponse:
        """Open an account; the response carries the first token pair."""
        result = await register_user(
            RegisterUserCommand(
                username=data.username,
                email=data.email,
                password=data.password,
                password_confirm=data.password_confirm,
                first_name=data.first_name,
                last_name=data.last_name,
                bio=data.bio,
                client_address=client_address(request),
            )
        )
        return RegisterResponse(
            user=UserPrivate.of(result.user, links), tokens=TokenPairResponse.of(result.tokens)
        )

    @post(
        "/login",
        status_code=HTTP_200_OK,
        response_headers=NO_STORE,
        responses=documented(400, 401, 413, 429),
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LoginRequest],
        log_in: FromDishka[LogIn],
    ) -> TokenPairResponse:
        """Log in with exactly one of username or email, and the password."""
        pair = await log_in(
            LogInCommand(
                password=data.password,
                username=data.username,
                email=data.email,
                client_address=client_address(request),
            )
        )
        return TokenPairResponse.of(pair)

    @post(
        "/refresh",
        status_code=HTTP_200_OK,
        response_headers=NO_STORE,
        responses=documented(400, 401, 413),
    )
    async def refresh(
        self, data: JSONBody[RefreshTokenRequest], rotate: FromDishka[RotateRefreshToken]
    ) -> TokenPairResponse:
        """Rotate a refresh token: the old one stops working, a new pair is issued."""
        pair = await rotate(RotateRefreshTokenCommand(refresh_token=data.refresh_token))
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
        self, claims: FromDishka[AccessClaims], log_out_everywhere: FromDishka[LogOutEverywhere]
    ) -> None:
        """End every session of the caller."""
        await log_out_everywhere(LogOutEverywhereCommand(user_id=claims.user_id))
