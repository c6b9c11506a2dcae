from __future__ import annotations

from typing import Any

import msgspec
from dishka import FromDishka
from litestar import Controller, Request, get, patch
from litestar.params import JSONBody

from application.ports.access_tokens import AccessClaims
from application.use_cases.get_settings import GetSettings, GetSettingsQuery
from application.use_cases.update_settings import UpdateSettings, UpdateSettingsCommand
from entrypoints.http.auth import BEARER_SECURITY, PRIVATE
from entrypoints.http.problems import documented
from entrypoints.http.request_context import audit
from entrypoints.http.responses import SettingsResponse
from entrypoints.http.schemas import SettingsPatch


class AdminSettingsController(Controller):
    path = "/admin/settings"
    tags = ["admin"]
    security = BEARER_SECURITY
    cache_control = PRIVATE

    @get("/", responses=documented(401, 403))
    async def show(
        self, claims: FromDishka[AccessClaims], get_settings: FromDishka[GetSettings]
    ) -> SettingsResponse:
        """The runtime settings as stored (administrators only)."""
        return SettingsResponse.of(await get_settings(GetSettingsQuery(claims.user_id)))

    @patch("/", responses=documented(400, 401, 403, 413))
    async def update(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[SettingsPatch],
        claims: FromDishka[AccessClaims],
        update_settings: FromDishka[UpdateSettings],
    ) -> SettingsResponse:
        """Change any subset of the settings; every instance applies it within 5 seconds."""
        changes = msgspec.structs.asdict(data)
        changes = {k: v for k, v in changes.items() if v is not msgspec.UNSET}
        settings = await update_settings(UpdateSettingsCommand(claims.user_id, changes))
        audit(
            request.scope,
            "settings_changed",
            "settings changed",
            actor_id=claims.user_id,
            keys=sorted(changes),
        )
        return SettingsResponse.of(settings)
