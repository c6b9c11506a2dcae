from __future__ import annotations

from typing import Annotated

from dishka import FromDishka
from litestar import Controller, Response, get
from litestar.params import Parameter

from application.pagination import DEFAULT_PAGE_SIZE
from application.use_cases.list_tag_tweets import ListTagTweets, ListTagTweetsQuery
from application.use_cases.list_trending_tags import (
    DEFAULT_TRENDING,
    MAX_TRENDING,
    ListTrendingTags,
    ListTrendingTagsQuery,
)
from entrypoints.http.auth import Viewer
from entrypoints.http.links import Links
from entrypoints.http.paging import Cursor, Limit, page_request, paged
from entrypoints.http.problems import documented
from entrypoints.http.read_routing import PUBLIC_PAGE
from entrypoints.http.responses import TrendingTagResponse, TweetPage, TweetResponse

Tag = Annotated[
    str,
    Parameter(
        description="Without its '#'; compared after NFKC and case folding. A name no hashtag "
        "can have gives an empty page."
    ),
]


class TagsController(Controller):
    path = "/tags"
    tags = ["tags"]

    @get("/trending", opt=PUBLIC_PAGE, responses=documented(400, 401))
    async def trending(
        self,
        list_trending: FromDishka[ListTrendingTags],
        limit: Annotated[int, Parameter(ge=1, le=MAX_TRENDING)] = DEFAULT_TRENDING,
    ) -> list[TrendingTagResponse]:
        """The tags used by the most distinct accounts in the last 24 hours, then in the
        most tweets, then by tag."""
        trends = await list_trending(ListTrendingTagsQuery(limit))
        return [TrendingTagResponse(t.tag, t.tweets, t.accounts) for t in trends]

    @get("/{tag:str}/tweets", opt=PUBLIC_PAGE, responses=documented(400, 401))
    async def tweets(
        self,
        tag: Tag,
        viewer: FromDishka[Viewer],
        list_tweets: FromDishka[ListTagTweets],
        links: FromDishka[Links],
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> Response[TweetPage]:
        """The tweets with this hashtag, newest first."""
        page = await list_tweets(
            ListTagTweetsQuery(tag, page_request(limit, cursor), viewer.user_id)
        )
        return paged(page, TweetResponse.of, links, TweetPage)
