from __future__ import annotations

from typing import Any

from dishka import FromDishka
from litestar import Controller, HttpMethod, Request, delete, get, put, route
from litestar.exceptions import ValidationException
from litestar.params import JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from application.ports.access_tokens import AccessClaims
from application.ports.settings_reader import SettingsReader
from application.use_cases.get_current_user import GetCurrentUser, GetCurrentUserQuery
from application.use_cases.remove_avatar import RemoveAvatar, RemoveAvatarCommand
from application.use_cases.set_avatar import SetAvatar, SetAvatarCommand
from application.use_cases.update_current_user import (
    UpdateCurrentUser,
    UpdateCurrentUserCommand,
)
from entrypoints.http.auth import BEARER_SECURITY, PRIVATE
from entrypoints.http.forms import MAX_UPLOAD_BODY_BYTES, read_form
from entrypoints.http.links import Links
from entrypoints.http.problems import documented
from entrypoints.http.responses import UserPrivate
from entrypoints.http.schemas import UpdateMeRequest, given
from entrypoints.http.upload_docs import SetAvatarOperation


class MeController(Controller):
    path = "/me"
    tags = ["me"]
    security = BEARER_SECURITY
    cache_control = PRIVATE

    @get("/", responses=documented(401))
    async def show(
        self,
        claims: FromDishka[AccessClaims],
        get_current_user: FromDishka[GetCurrentUser],
        links: FromDishka[Links],
    ) -> UserPrivate:
        """The caller's own account."""
        return UserPrivate.of(await get_current_user(GetCurrentUserQuery(claims.user_id)), links)

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
        links: FromDishka[Links],
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
        return UserPrivate.of(user, links)

    @put(
        "/avatar",
        request_max_body_size=MAX_UPLOAD_BODY_BYTES,
        responses=documented(400, 401, 413, 415, 429),
        operation_class=SetAvatarOperation,
    )
    async def set_avatar(
        self,
        request: Request[Any, Any, Any],
        claims: FromDishka[AccessClaims],
        set_avatar: FromDishka[SetAvatar],
        links: FromDishka[Links],
        settings: FromDishka[SettingsReader],
    ) -> UserPrivate:
        """Upload a new avatar: multipart with an ``image`` file (JPEG, PNG, GIF or WebP)."""
        form = await read_form(
            request,
            text_fields=set(),
            file_fields={"image"},
            max_file_bytes=(await settings.current()).max_image_bytes,
        )
        if "image" not in form.files:
            raise ValidationException(extra=[{"key": "image", "message": "is required"}])
        user = await set_avatar(SetAvatarCommand(claims.user_id, form.files["image"]))
        return UserPrivate.of(user, links)

    @delete("/avatar", status_code=HTTP_204_NO_CONTENT, responses=documented(401))
    async def remove_avatar(
        self, claims: FromDishka[AccessClaims], remove_avatar: FromDishka[RemoveAvatar]
    ) -> None:
        """Remove your avatar."""
        await remove_avatar(RemoveAvatarCommand(claims.user_id))
