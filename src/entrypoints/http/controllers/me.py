from __future__ import annotations

from dishka import FromDishka
from litestar import Controller, HttpMethod, get, route
from litestar.params import JSONBody

from application.ports.access_tokens import AccessClaims
from application.use_cases.get_current_user import GetCurrentUser, GetCurrentUserQuery
from application.use_cases.update_current_user import (
    UpdateCurrentUser,
    UpdateCurrentUserCommand,
)
from entrypoints.http.auth import BEARER_SECURITY
from entrypoints.http.problems import documented
from entrypoints.http.schemas import UpdateMeRequest, UserPrivate, given


class MeController(Controller):
    path = "/me"
    tags = ["me"]
    security = BEARER_SECURITY

    @get("/", responses=documented(401))
    async def show(
        self, claims: FromDishka[AccessClaims], get_current_user: FromDishka[GetCurrentUser]
    ) -> UserPrivate:
        """The caller's own account."""
        return UserPrivate.of(await get_current_user(GetCurrentUserQuery(claims.user_id)))

    @route(
        "/",
        http_method=[HttpMethod.PATCH, HttpMethod.PUT],
        responses=documented(400, 401, 409, 413),
    )
    async def update(
        self,
        data: JSONBody[UpdateMeRequest],
        claims: FromDishka[AccessClaims],
        update_current_user: FromDishka[UpdateCurrentUser],
    ) -> UserPrivate:
        """Change profile fields (PUT is the same as PATCH); a new password needs
        ``current_password`` and ends every other session."""
        user = await update_current_user(
            UpdateCurrentUserCommand(
                user_id=claims.user_id,
                session_id=claims.session_id,
                username=given(data.username),
                email=given(data.email),
                first_name=given(data.first_name),
                last_name=given(data.last_name),
                bio=given(data.bio),
                password=given(data.password),
                current_password=given(data.current_password),
            )
        )
        return UserPrivate.of(user)
