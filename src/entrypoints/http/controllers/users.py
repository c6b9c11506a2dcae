from __future__ import annotations

from typing import Annotated, Any

from dishka import FromDishka
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from application.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from application.ports.access_tokens import AccessClaims
from application.use_cases.change_user_status import ChangeUserStatus, ChangeUserStatusCommand
from application.use_cases.follow_user import FollowCommand, FollowUser
from application.use_cases.get_profile import GetProfile, GetProfileQuery
from application.use_cases.list_active_users import ListActiveUsers, ListActiveUsersQuery
from application.use_cases.list_follows import ListFollowers, ListFollowing, ListFollowsQuery
from application.use_cases.list_user_tweets import ListUserTweets, ListUserTweetsQuery
from application.use_cases.list_users import ListUsers, ListUsersQuery
from application.use_cases.unfollow_user import UnfollowUser
from entrypoints.http.auth import BEARER_SECURITY, PRIVATE, Viewer
from entrypoints.http.links import Links
from entrypoints.http.paging import Cursor, Limit, page_request, paged
from entrypoints.http.paths import ACTIVE_USERS
from entrypoints.http.problems import documented
from entrypoints.http.read_routing import MAY_LAG, PUBLIC_PAGE
from entrypoints.http.request_context import audit
from entrypoints.http.responses import (
    ActiveUserResponse,
    TweetPage,
    TweetResponse,
    UserAdminPage,
    UserAdminView,
    UserPublic,
    UserSummaryPage,
    UserSummaryResponse,
)
from entrypoints.http.schemas import UserStatusRequest, given

Username = Annotated[str, Parameter(description="Case-insensitive.")]
IncludeReposts = Annotated[
    bool, Parameter(description="Also list the user's reposts (`true` or `false`).")
]
ExcludeReplies = Annotated[bool, Parameter(description="Leave the user's replies out.")]


class UsersController(Controller):
    path = "/users"
    tags = ["users"]

    @get(f"/{ACTIVE_USERS}", security=BEARER_SECURITY, opt=MAY_LAG, responses=documented(400, 401))
    async def active(
        self,
        list_active: FromDishka[ListActiveUsers],
        limit: Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    ) -> list[ActiveUserResponse]:
        """The most recent logins (a leaderboard: a plain array, not paginated)."""
        users = await list_active(ListActiveUsersQuery(limit))
        return [ActiveUserResponse(u.username, u.last_login) for u in users]

    @get("/", security=BEARER_SECURITY, cache_control=PRIVATE, responses=documented(400, 401, 403))
    async def index(
        self,
        claims: FromDishka[AccessClaims],
        list_users: FromDishka[ListUsers],
        links: FromDishka[Links],
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> Response[UserAdminPage]:
        """Every account, newest first (administrators only)."""
        page = await list_users(ListUsersQuery(claims.user_id, page_request(limit, cursor)))
        return paged(page, UserAdminView.of, links, UserAdminPage)

    @get("/{username:str}", opt=PUBLIC_PAGE, responses=documented(401, 404))
    async def show(
        self,
        username: Username,
        viewer: FromDishka[Viewer],
        get_profile: FromDishka[GetProfile],
        links: FromDishka[Links],
    ) -> UserPublic:
        """A public profile with counts (signing in sets ``followed_by_me``)."""
        return UserPublic.of(await get_profile(GetProfileQuery(username, viewer.user_id)), links)

    @patch(
        "/{username:str}",
        security=BEARER_SECURITY,
        cache_control=PRIVATE,
        responses=documented(400, 401, 403, 404),
    )
    async def change_status(
        self,
        username: Username,
        data: JSONBody[UserStatusRequest],
        claims: FromDishka[AccessClaims],
        change: FromDishka[ChangeUserStatus],
        links: FromDishka[Links],
        request: Request[Any, Any, Any],
    ) -> UserAdminView:
        """Activate, deactivate, promote or demote an account (administrators only)."""
        command = ChangeUserStatusCommand(
            claims.user_id,
            username,
            is_active=given(data.is_active),
            is_admin=given(data.is_admin),
        )
        user = await change(command)
        changed = {"is_active": command.is_active, "is_admin": command.is_admin}
        audit(
            request.scope,
            "user_status_changed",
            "user status changed",
            actor_id=claims.user_id,
            target_id=user.id,
            changes={name: value for name, value in changed.items() if value is not None},
        )
        return UserAdminView.of(user, links)

    @get("/{username:str}/tweets", opt=PUBLIC_PAGE, responses=documented(400, 401, 403, 404))
    async def tweets(
        self,
        username: Username,
        viewer: FromDishka[Viewer],
        list_tweets: FromDishka[ListUserTweets],
        links: FromDishka[Links],
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
        include_reposts: IncludeReposts = False,
        exclude_replies: ExcludeReplies = False,
    ) -> Response[TweetPage]:
        """The user's tweets, newest first; with ``include_reposts=true`` their reposts too,
        each where it was made, with ``reposted_by``; ``exclude_replies=true``: without
        their replies."""
        page = await list_tweets(
            ListUserTweetsQuery(
                username,
                page_request(limit, cursor),
                viewer.user_id,
                include_reposts=include_reposts,
                exclude_replies=exclude_replies,
            )
        )
        return paged(page, TweetResponse.of, links, TweetPage)

    @get("/{username:str}/followers", opt=PUBLIC_PAGE, responses=documented(400, 401, 403, 404))
    async def followers(
        self,
        username: Username,
        viewer: FromDishka[Viewer],
        list_followers: FromDishka[ListFollowers],
        links: FromDishka[Links],
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> Response[UserSummaryPage]:
        """Who follows the user, most recent follow first."""
        query = ListFollowsQuery(username, page_request(limit, cursor), viewer.user_id)
        page = await list_followers(query)
        return paged(page, UserSummaryResponse.of, links, UserSummaryPage)

    @get("/{username:str}/following", opt=PUBLIC_PAGE, responses=documented(400, 401, 403, 404))
    async def following(
        self,
        username: Username,
        viewer: FromDishka[Viewer],
        list_following: FromDishka[ListFollowing],
        links: FromDishka[Links],
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> Response[UserSummaryPage]:
        """Whom the user follows, most recent follow first."""
        query = ListFollowsQuery(username, page_request(limit, cursor), viewer.user_id)
        page = await list_following(query)
        return paged(page, UserSummaryResponse.of, links, UserSummaryPage)

    @post(
        "/{username:str}/follow",
        status_code=HTTP_204_NO_CONTENT,
        security=BEARER_SECURITY,
        responses=documented(400, 401, 403, 404),
    )
    async def follow(
        self, username: Username, claims: FromDishka[AccessClaims], follow: FromDishka[FollowUser]
    ) -> None:
        """Follow the user (idempotent)."""
        await follow(FollowCommand(claims.user_id, username))

    @delete(
        "/{username:str}/follow",
        status_code=HTTP_204_NO_CONTENT,
        security=BEARER_SECURITY,
        responses=documented(401, 404),
    )
    async def unfollow(
        self,
        username: Username,
        claims: FromDishka[AccessClaims],
        unfollow: FromDishka[UnfollowUser],
    ) -> None:
        """Stop following the user (idempotent)."""
        await unfollow(FollowCommand(claims.user_id, username))
