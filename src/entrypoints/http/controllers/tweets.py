from __future__ import annotations

from typing import Annotated, Any

from dishka import FromDishka
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from application.ports.access_tokens import AccessClaims
from application.ports.settings_reader import SettingsReader
from application.use_cases.build_feed import BuildFeed, BuildFeedQuery
from application.use_cases.delete_tweet import DeleteTweet, DeleteTweetCommand
from application.use_cases.edit_tweet import EditTweet, EditTweetCommand
from application.use_cases.get_tweet import GetTweet, GetTweetQuery
from application.use_cases.get_tweet_context import GetTweetContext, GetTweetContextQuery
from application.use_cases.get_tweet_history import GetTweetHistory, GetTweetHistoryQuery
from application.use_cases.like_tweet import LikeCommand, LikeTweet
from application.use_cases.list_likers import ListLikers, ListLikersQuery
from application.use_cases.list_quotes import ListQuotes, ListQuotesQuery
from application.use_cases.list_replies import ListReplies, ListRepliesQuery
from application.use_cases.post_tweet import PostTweet, PostTweetCommand
from application.use_cases.unlike_tweet import UnlikeTweet
from entrypoints.http.auth import BEARER_SECURITY, Viewer
from entrypoints.http.forms import MAX_UPLOAD_BODY_BYTES, is_multipart, read_form
from entrypoints.http.idempotency import idempotency_keys
from entrypoints.http.links import Links
from entrypoints.http.paging import Cursor, Limit, page_request, paged
from entrypoints.http.problems import documented
from entrypoints.http.read_routing import MAY_LAG, PUBLIC_PAGE
from entrypoints.http.responses import (
    LikeResponse,
    TweetContextResponse,
    TweetPage,
    TweetResponse,
    TweetVersionResponse,
    UserSummaryPage,
    UserSummaryResponse,
)
from entrypoints.http.schemas import PostTweetRequest, TweetTextRequest
from entrypoints.http.strict_json import decode_json_body
from entrypoints.http.upload_docs import PostTweetOperation

TweetId = Annotated[int, Parameter(description="The tweet's id.")]


class TweetsController(Controller):
    path = "/tweets"
    tags = ["tweets"]

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        security=BEARER_SECURITY,
        request_max_body_size=MAX_UPLOAD_BODY_BYTES,
        responses=documented(400, 401, 403, 404, 409, 413, 415, 422, 429),
        operation_class=PostTweetOperation,
        middleware=[idempotency_keys],
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        claims: FromDishka[AccessClaims],
        post_tweet: FromDishka[PostTweet],
        links: FromDishka[Links],
        settings: FromDishka[SettingsReader],
    ) -> Response[TweetResponse]:
        """Post a tweet: JSON ``{"text", "media_ids", "quoted_tweet_id"}`` (text or media,
        or both), or multipart with ``text`` and/or ``image``."""
        if is_multipart(request):
            form = await read_form(
                request,
                text_fields={"text"},
                file_fields={"image"},
                max_file_bytes=(await settings.current()).max_image_bytes,
            )
            command = PostTweetCommand(
                claims.user_id, form.texts.get("text", ""), form.files.get("image")
            )
        else:
            body = await decode_json_body(request, PostTweetRequest)
            command = PostTweetCommand(
                claims.user_id,
                body.text,
                media_ids=tuple(body.media_ids),
                in_reply_to_id=body.in_reply_to_id,
                quoted_tweet_id=body.quoted_tweet_id,
            )
        tweet = await post_tweet(command)
        return Response(
            TweetResponse.of(tweet, links),
            status_code=HTTP_201_CREATED,
            headers={"Location": links.tweet(tweet.id)},
        )

    @get("/{tweet_id:int}", opt=PUBLIC_PAGE, responses=documented(401, 404))
    async def show(
        self,
        tweet_id: TweetId,
        viewer: FromDishka[Viewer],
        get_tweet: FromDishka[GetTweet],
        links: FromDishka[Links],
    ) -> TweetResponse:
        """One tweet (signing in is optional; it sets ``liked_by_me``)."""
        return TweetResponse.of(await get_tweet(GetTweetQuery(tweet_id, viewer.user_id)), links)

    @get("/{tweet_id:int}/history", opt=PUBLIC_PAGE, responses=documented(401, 404))
    async def history(
        self,
        tweet_id: TweetId,
        viewer: FromDishka[Viewer],
        get_history: FromDishka[GetTweetHistory],
    ) -> list[TweetVersionResponse]:
        """Every version of the tweet's text: the original first, the current one last
        (signing in is optional)."""
        versions = await get_history(GetTweetHistoryQuery(tweet_id, viewer.user_id))
        return [TweetVersionResponse.of(version) for version in versions]

    @patch("/{tweet_id:int}", security=BEARER_SECURITY, responses=documented(400, 401, 403, 404))
    async def edit(
        self,
        tweet_id: TweetId,
        data: JSONBody[TweetTextRequest],
        claims: FromDishka[AccessClaims],
        edit_tweet: FromDishka[EditTweet],
        links: FromDishka[Links],
    ) -> TweetResponse:
        """Change the text of one's own tweet: within ``tweet_edit_window_seconds`` of posting,
        at most ``tweet_max_edits`` times (403 ``edit_window_closed``, ``edit_limit_reached``).
        The same text again is no edit."""
        tweet = await edit_tweet(EditTweetCommand(claims.user_id, tweet_id, data.text))
        return TweetResponse.of(tweet, links)

    @delete(
        "/{tweet_id:int}",
        status_code=HTTP_204_NO_CONTENT,
        security=BEARER_SECURITY,
        responses=documented(401, 403, 404),
    )
    async def remove(
        self,
        tweet_id: TweetId,
        claims: FromDishka[AccessClaims],
        delete_tweet: FromDishka[DeleteTweet],
    ) -> None:
        """Delete a tweet (its author, or an administrator)."""
        await delete_tweet(DeleteTweetCommand(claims.user_id, tweet_id))

    @post(
        "/{tweet_id:int}/like",
        status_code=200,
        security=BEARER_SECURITY,
        responses=documented(401, 403, 404),
    )
    async def like(
        self, tweet_id: TweetId, claims: FromDishka[AccessClaims], like: FromDishka[LikeTweet]
    ) -> LikeResponse:
        """Like a tweet (idempotent)."""
        result = await like(LikeCommand(claims.user_id, tweet_id))
        return LikeResponse(liked=result.liked, like_count=result.like_count)

    @delete(
        "/{tweet_id:int}/like",
        status_code=200,
        security=BEARER_SECURITY,
        responses=documented(401, 404),
    )
    async def unlike(
        self, tweet_id: TweetId, claims: FromDishka[AccessClaims], unlike: FromDishka[UnlikeTweet]
    ) -> LikeResponse:
        """Take back a like (idempotent)."""
        result = await unlike(LikeCommand(claims.user_id, tweet_id))
        return LikeResponse(liked=result.liked, like_count=result.like_count)

    @get("/{tweet_id:int}/likes", opt=PUBLIC_PAGE, responses=documented(400, 401, 404))
    async def likers(
        self,
        tweet_id: TweetId,
        viewer: FromDishka[Viewer],
        list_likers: FromDishka[ListLikers],
        links: FromDishka[Links],
        limit: Limit = 20,
        cursor: Cursor = None,
    ) -> Response[UserSummaryPage]:
        """Who liked the tweet, most recent first."""
        query = ListLikersQuery(tweet_id, page_request(limit, cursor), viewer.user_id)
        page = await list_likers(query)
        return paged(page, UserSummaryResponse.of, links, UserSummaryPage)

    @get("/{tweet_id:int}/replies", opt=PUBLIC_PAGE, responses=documented(400, 401, 404))
    async def replies(
        self,
        tweet_id: TweetId,
        viewer: FromDishka[Viewer],
        list_replies: FromDishka[ListReplies],
        links: FromDishka[Links],
        limit: Limit = 20,
        cursor: Cursor = None,
    ) -> Response[TweetPage]:
        """The tweet's direct replies, oldest first (signing in is optional)."""
        query = ListRepliesQuery(tweet_id, page_request(limit, cursor), viewer.user_id)
        return paged(await list_replies(query), TweetResponse.of, links, TweetPage)

    @get("/{tweet_id:int}/context", opt=PUBLIC_PAGE, responses=documented(401, 404))
    async def context(
        self,
        tweet_id: TweetId,
        viewer: FromDishka[Viewer],
        get_context: FromDishka[GetTweetContext],
        links: FromDishka[Links],
    ) -> TweetContextResponse:
        """The conversation around the tweet: ``ancestors`` from the root down to its parent
        (at most the 40 nearest it; a deleted tweet ends the chain), ``descendants``
        depth-first with siblings oldest first (the first 60, at most 20 levels below)."""
        context = await get_context(GetTweetContextQuery(tweet_id, viewer.user_id))
        return TweetContextResponse(
            ancestors=[TweetResponse.of(tweet, links) for tweet in context.ancestors],
            descendants=[TweetResponse.of(tweet, links) for tweet in context.descendants],
        )

    @get("/{tweet_id:int}/quotes", opt=PUBLIC_PAGE, responses=documented(400, 401, 404))
    async def quotes(
        self,
        tweet_id: TweetId,
        viewer: FromDishka[Viewer],
        list_quotes: FromDishka[ListQuotes],
        links: FromDishka[Links],
        limit: Limit = 20,
        cursor: Cursor = None,
    ) -> Response[TweetPage]:
        """The tweets quoting the tweet, newest first (signing in is optional)."""
        query = ListQuotesQuery(tweet_id, page_request(limit, cursor), viewer.user_id)
        return paged(await list_quotes(query), TweetResponse.of, links, TweetPage)


class FeedController(Controller):
    path = "/feed"
    tags = ["tweets"]
    security = BEARER_SECURITY

    @get("/", opt=MAY_LAG, responses=documented(400, 401))
    async def home(
        self,
        claims: FromDishka[AccessClaims],
        build_feed: FromDishka[BuildFeed],
        links: FromDishka[Links],
        limit: Limit = 20,
        cursor: Cursor = None,
    ) -> Response[TweetPage]:
        """Your own tweets and those of everyone you follow, newest first."""
        page = await build_feed(BuildFeedQuery(claims.user_id, page_request(limit, cursor)))
        return paged(page, TweetResponse.of, links, TweetPage)
