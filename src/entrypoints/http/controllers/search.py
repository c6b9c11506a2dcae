from __future__ import annotations

from typing import Annotated

from dishka import FromDishka
from litestar import Controller, Response, get
from litestar.params import Parameter

from application.pagination import DEFAULT_PAGE_SIZE
from application.use_cases.search_tweets import SearchTweets, SearchTweetsQuery
from application.use_cases.search_users import (
    DEFAULT_USER_RESULTS,
    MAX_USER_QUERY_LENGTH,
    MAX_USER_RESULTS,
    SearchUsers,
    SearchUsersQuery,
)
from domain.search import MAX_QUERY_LENGTH, MIN_QUERY_LENGTH
from entrypoints.http.auth import Viewer
from entrypoints.http.links import Links
from entrypoints.http.paging import Cursor, Limit, page_request, paged
from entrypoints.http.problems import documented
from entrypoints.http.read_routing import PUBLIC_PAGE
from entrypoints.http.responses import TweetPage, TweetResponse, UserPublic

TweetQuery = Annotated[
    str,
    Parameter(
        min_length=MIN_QUERY_LENGTH,
        max_length=MAX_QUERY_LENGTH,
        description="1-200 characters: words (every one must be in the tweet, compared "
        "case-insensitively, after NFKC, without accents), `from:username` and `#tag`.",
    ),
]
UserQuery = Annotated[
    str,
    Parameter(
        min_length=1,
        max_length=MAX_USER_QUERY_LENGTH,
        description="1-100 characters: the start of a username, first or last name "
        "(case-insensitive, after NFKC, without accents).",
    ),
]


class SearchController(Controller):
    path = "/search"
    tags = ["search"]

    @get("/tweets", opt=PUBLIC_PAGE, responses=documented(400, 401))
    async def tweets(
        self,
        q: TweetQuery,
        viewer: FromDishka[Viewer],
        search: FromDishka[SearchTweets],
        links: FromDishka[Links],
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> Response[TweetPage]:
        """The tweets matching every term of `q`, newest first."""
        page = await search(SearchTweetsQuery(q, page_request(limit, cursor), viewer.user_id))
        return paged(page, TweetResponse.of, links, TweetPage)

    @get("/users", opt=PUBLIC_PAGE, responses=documented(400, 401))
    async def users(
        self,
        q: UserQuery,
        viewer: FromDishka[Viewer],
        search: FromDishka[SearchUsers],
        links: FromDishka[Links],
        limit: Annotated[int, Parameter(ge=1, le=MAX_USER_RESULTS)] = DEFAULT_USER_RESULTS,
    ) -> list[UserPublic]:
        """Accounts whose username, first or last name starts with `q`: the one named `q`
        first, then the most followed (a plain array, not paginated)."""
        found = await search(SearchUsersQuery(q, limit, viewer.user_id))
        return [UserPublic.of(profile, links) for profile in found]
