from __future__ import annotations

from typing import Annotated

from dishka import FromDishka
from litestar import Controller, Response, get, post
from litestar.params import Body, Parameter
from litestar.status_codes import HTTP_204_NO_CONTENT
from msgspec import UnsetType

from application.ports.access_tokens import AccessClaims
from application.use_cases.count_unread_notifications import CountUnreadNotifications
from application.use_cases.list_notifications import ListNotifications, ListNotificationsQuery
from application.use_cases.mark_notifications_read import MarkNotificationsRead, MarkReadCommand
from domain.notifications import TYPES_PATTERN
from entrypoints.http.auth import BEARER_SECURITY, PRIVATE
from entrypoints.http.links import Links
from entrypoints.http.paging import Cursor, Limit, page_request, paged
from entrypoints.http.problems import documented
from entrypoints.http.responses import NotificationPage, NotificationResponse, UnreadCountResponse
from entrypoints.http.schemas import MarkReadRequest

Types = Annotated[
    str | None,
    Parameter(
        description="Only these types, comma-separated: follow, like, repost, reply, mention, "
        "quote.",
        max_length=200,
        pattern=TYPES_PATTERN,
    ),
]


class NotificationsController(Controller):
    path = "/notifications"
    tags = ["notifications"]
    security = BEARER_SECURITY
    cache_control = PRIVATE

    @get("/", responses=documented(400, 401))
    async def index(
        self,
        claims: FromDishka[AccessClaims],
        list_notifications: FromDishka[ListNotifications],
        links: FromDishka[Links],
        limit: Limit = 20,
        cursor: Cursor = None,
        types: Types = None,
    ) -> Response[NotificationPage]:
        """Your notifications, newest first."""
        query = ListNotificationsQuery(claims.user_id, page_request(limit, cursor), types)
        page = await list_notifications(query)
        return paged(page, NotificationResponse.of, links, NotificationPage)

    @get("/unread-count", responses=documented(401))
    async def unread_count(
        self, claims: FromDishka[AccessClaims], count: FromDishka[CountUnreadNotifications]
    ) -> UnreadCountResponse:
        """How many of your notifications are unread."""
        return UnreadCountResponse(await count(claims.user_id))

    @post("/read", status_code=HTTP_204_NO_CONTENT, responses=documented(400, 401))
    async def read(
        self,
        claims: FromDishka[AccessClaims],
        mark_read: FromDishka[MarkNotificationsRead],
        data: Annotated[MarkReadRequest | None, Body(title="Up to which notification")] = None,
    ) -> None:
        """Mark your notifications read: all of them, or those up to ``up_to_id``."""
        up_to = None if data is None or isinstance(data.up_to_id, UnsetType) else data.up_to_id
        await mark_read(MarkReadCommand(claims.user_id, up_to))
