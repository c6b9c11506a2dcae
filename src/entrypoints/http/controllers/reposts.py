from __future__ import annotations

from dishka import FromDishka
from litestar import Controller, Response, delete, get, post

from application.ports.access_tokens import AccessClaims
from application.use_cases.list_reposters import ListReposters, ListRepostersQuery
from application.use_cases.repost_tweet import RepostCommand, RepostTweet
from application.use_cases.undo_repost import UndoRepost
from entrypoints.http.auth import BEARER_SECURITY, Viewer
from entrypoints.http.controllers.tweets import TweetId
from entrypoints.http.links import Links
from entrypoints.http.paging import Cursor, Limit, page_request, paged
from entrypoints.http.problems import documented
from entrypoints.http.read_routing import PUBLIC_PAGE
from entrypoints.http.responses import RepostResponse, UserSummaryPage, UserSummaryResponse


class RepostsController(Controller):
    path = "/tweets"
    tags = ["tweets"]

    @post(
        "/{tweet_id:int}/repost",
        status_code=200,
        security=BEARER_SECURITY,
        responses=documented(401, 403, 404),
    )
    async def repost(
        self, tweet_id: TweetId, claims: FromDishka[AccessClaims], repost: FromDishka[RepostTweet]
    ) -> RepostResponse:
        """Repost a tweet into your followers' feeds (idempotent)."""
        result = await repost(RepostCommand(claims.user_id, tweet_id))
        return RepostResponse(reposted=result.reposted, repost_count=result.repost_count)

    @delete(
        "/{tweet_id:int}/repost",
        status_code=200,
        security=BEARER_SECURITY,
        responses=documented(401, 404),
    )
    async def undo(
        self, tweet_id: TweetId, claims: FromDishka[AccessClaims], undo: FromDishka[UndoRepost]
    ) -> RepostResponse:
        """Take back a repost, and the feed entries it made (idempotent)."""
        result = await undo(RepostCommand(claims.user_id, tweet_id))
        return RepostResponse(reposted=result.reposted, repost_count=result.repost_count)

    @get("/{tweet_id:int}/reposts", opt=PUBLIC_PAGE, responses=documented(400, 401, 404))
    async def reposters(
        self,
        tweet_id: TweetId,
        viewer: FromDishka[Viewer],
        list_reposters: FromDishka[ListReposters],
        links: FromDishka[Links],
        limit: Limit = 20,
        cursor: Cursor = None,
    ) -> Response[UserSummaryPage]:
        """Who reposted the tweet, most recent first."""
        query = ListRepostersQuery(tweet_id, page_request(limit, cursor), viewer.user_id)
        page = await list_reposters(query)
        return paged(page, UserSummaryResponse.of, links, UserSummaryPage)
