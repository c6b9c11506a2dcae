from __future__ import annotations

from typing import Annotated

from dishka import FromDishka
from litestar import Controller, Response, delete, get, post
from litestar.params import Body, Parameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from application.ports.access_tokens import AccessClaims
from application.use_cases.block_user import BlockCommand, BlockUser
from application.use_cases.get_relationships import GetRelationships, RelationshipsQuery
from application.use_cases.list_blocks import ListBlocks, OwnListQuery
from application.use_cases.list_mutes import ListMutes
from application.use_cases.mute_user import MuteCommand, MuteUser
from application.use_cases.unblock_user import UnblockUser
from application.use_cases.unmute_user import UnmuteUser
from entrypoints.http.auth import BEARER_SECURITY, PRIVATE
from entrypoints.http.controllers.users import Username
from entrypoints.http.links import Links
from entrypoints.http.paging import Cursor, Limit, page_request, paged
from entrypoints.http.paths import RELATIONSHIPS
from entrypoints.http.problems import documented
from entrypoints.http.responses import (
    MutePage,
    MuteResponse,
    RelationshipResponse,
    UserSummaryPage,
    UserSummaryResponse,
)
from entrypoints.http.schemas import MuteRequest

Usernames = Annotated[
    str,
    Parameter(description="1 to 50 usernames, separated by commas.", min_length=1, max_length=2000),
]


class RelationshipsController(Controller):
    """Blocks, mutes, and how the caller stands with other accounts."""

    path = "/"
    tags = ["relationships"]
    security = BEARER_SECURITY
    cache_control = PRIVATE

    @get(f"/users/{RELATIONSHIPS}", responses=documented(400, 401))
    async def relationships(
        self,
        usernames: Usernames,
        claims: FromDishka[AccessClaims],
        get_relationships: FromDishka[GetRelationships],
    ) -> list[RelationshipResponse]:
        """How you stand with each account named, in the order asked, each once."""
        found = await get_relationships(RelationshipsQuery(claims.user_id, usernames))
        return [RelationshipResponse.of(relationship) for relationship in found]

    @post(
        "/users/{username:str}/block",
        status_code=HTTP_204_NO_CONTENT,
        responses=documented(400, 401, 404),
    )
    async def block(
        self, username: Username, claims: FromDishka[AccessClaims], block: FromDishka[BlockUser]
    ) -> None:
        """Block the account (idempotent): it separates you both ways, and your follows of
        each other are removed."""
        await block(BlockCommand(claims.user_id, username))

    @delete(
        "/users/{username:str}/block",
        status_code=HTTP_204_NO_CONTENT,
        responses=documented(401, 404),
    )
    async def unblock(
        self,
        username: Username,
        claims: FromDishka[AccessClaims],
        unblock: FromDishka[UnblockUser],
    ) -> None:
        """Stop blocking the account (idempotent); removed follows stay removed."""
        await unblock(BlockCommand(claims.user_id, username))

    @get("/me/blocks", responses=documented(400, 401))
    async def blocks(
        self,
        claims: FromDishka[AccessClaims],
        list_blocks: FromDishka[ListBlocks],
        links: FromDishka[Links],
        limit: Limit = 20,
        cursor: Cursor = None,
    ) -> Response[UserSummaryPage]:
        """Whom you block, most recent first."""
        page = await list_blocks(OwnListQuery(claims.user_id, page_request(limit, cursor)))
        return paged(page, UserSummaryResponse.of, links, UserSummaryPage)

    @post(
        "/users/{username:str}/mute",
        status_code=HTTP_204_NO_CONTENT,
        responses=documented(400, 401, 404),
    )
    async def mute(
        self,
        username: Username,
        claims: FromDishka[AccessClaims],
        mute: FromDishka[MuteUser],
        data: Annotated[MuteRequest | None, Body(title="The mute's terms")] = None,
    ) -> None:
        """Mute the account (for ``duration_seconds``, or until undone); a new call replaces
        every term of the mute."""
        terms = (data or MuteRequest()).terms()
        await mute(MuteCommand(claims.user_id, username, terms))

    @delete(
        "/users/{username:str}/mute",
        status_code=HTTP_204_NO_CONTENT,
        responses=documented(401, 404),
    )
    async def unmute(
        self,
        username: Username,
        claims: FromDishka[AccessClaims],
        unmute: FromDishka[UnmuteUser],
    ) -> None:
        """Stop muting the account (idempotent)."""
        await unmute(MuteCommand(claims.user_id, username))

    @get("/me/mutes", responses=documented(400, 401))
    async def mutes(
        self,
        claims: FromDishka[AccessClaims],
        list_mutes: FromDishka[ListMutes],
        links: FromDishka[Links],
        limit: Limit = 20,
        cursor: Cursor = None,
    ) -> Response[MutePage]:
        """Whom you mute, most recent first (expired mutes left out)."""
        page = await list_mutes(OwnListQuery(claims.user_id, page_request(limit, cursor)))
        return paged(page, MuteResponse.of, links, MutePage)
