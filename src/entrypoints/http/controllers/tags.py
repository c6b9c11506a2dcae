from __future__ import annotations

from typing import Annotated

from dishka import FromDishka
from litestar import Controller, Response, get
from litestar.params import Parameter

from application.pagination import DEFAULT_PAGE_SIZE
from application.use_cases.list_tag_tweets import ListTagTweets, ListTagTweetsQuery
from entrypoints.http.auth import Viewer
from entrypoints.http.links import Links
from entrypoints.http.paging import Cursor, Limit, page_request, paged
from entrypoints.http.problems import documented
from entrypoints.http.read_routing import PUBLIC_PAGE
from entrypoints.http.responses import TweetPage, TweetResponse

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
