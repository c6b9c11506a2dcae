from __future__ import annotations

from dishka import FromDishka
from litestar import Controller, Response, delete, get, post

from application.ports.access_tokens import AccessClaims
from application.use_cases.bookmark_tweet import BookmarkCommand, BookmarkTweet
from application.use_cases.list_blocks import OwnListQuery
from application.use_cases.list_bookmarks import ListBookmarks
from application.use_cases.list_reposters import ListReposters, ListRepostersQuery
from application.use_cases.remove_bookmark import RemoveBookmark
from application.use_cases.repost_tweet import RepostCommand, RepostTweet
from application.use_cases.undo_repost import UndoRepost
from entrypoints.http.auth import BEARER_SECURITY, PRIVATE, Viewer
from entrypoints.http.controllers.tweets import TweetId
from entrypoints.http.links import Links
from entrypoints.http.paging import Cursor, Limit, page_request, paged
from entrypoints.http.problems import documented
from entrypoints.http.read_routing import PUBLIC_PAGE
from entrypoints.http.responses import (
    BookmarkResponse,
    RepostResponse,
    TweetPage,
    TweetResponse,
    UserSummaryPage,
    UserSummaryResponse,
)


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


class BookmarksController(Controller):
    """Private bookmarks: the caller's own, most recently bookmarked first."""

    path = "/"
    tags = ["bookmarks"]
    security = BEARER_SECURITY

    @post("/tweets/{tweet_id:int}/bookmark", status_code=200, responses=documented(401, 403, 404))
    async def bookmark(
        self,
        tweet_id: TweetId,
        claims: FromDishka[AccessClaims],
        bookmark: FromDishka[BookmarkTweet],
    ) -> BookmarkResponse:
        """Bookmark a tweet (idempotent); only you see your bookmarks."""
        return BookmarkResponse(await bookmark(BookmarkCommand(claims.user_id, tweet_id)))

    @delete("/tweets/{tweet_id:int}/bookmark", status_code=200, responses=documented(401, 404))
    async def remove(
        self,
        tweet_id: TweetId,
        claims: FromDishka[AccessClaims],
        remove: FromDishka[RemoveBookmark],
    ) -> BookmarkResponse:
        """Remove a bookmark (idempotent)."""
        return BookmarkResponse(await remove(BookmarkCommand(claims.user_id, tweet_id)))

    @get("/me/bookmarks", cache_control=PRIVATE, responses=documented(400, 401))
    async def bookmarks(
        self,
        claims: FromDishka[AccessClaims],
        list_bookmarks: FromDishka[ListBookmarks],
        links: FromDishka[Links],
        limit: Limit = 20,
        cursor: Cursor = None,
    ) -> Response[TweetPage]:
        """Your bookmarked tweets, most recently bookmarked first."""
        page = await list_bookmarks(OwnListQuery(claims.user_id, page_request(limit, cursor)))
        return paged(page, TweetResponse.of, links, TweetPage)
