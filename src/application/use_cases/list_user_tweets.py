from __future__ import annotations

from dataclasses import dataclass

from application.lookups import user_open_to
from application.pagination import Page, PageRequest, page_of
from application.ports.relationships import RelationshipReader
from application.ports.tweet_reader import TweetReader, TweetView
from application.ports.user_reader import UserReader


@dataclass(frozen=True, slots=True)
class ListUserTweetsQuery:
    username: str
    page: PageRequest
    viewer_id: int | None = None
    include_reposts: bool = False

    exclude_replies: bool = False


class ListUserTweets:
    """A user's tweets, newest first, keyset-paged; without their replies if asked; with
    ``include_reposts`` their reposts too, each where it was made (``reposted_by`` set).
    A block between the viewer and the user refuses it (``blocked``)."""

    def __init__(
        self, users: UserReader, reader: TweetReader, relationships: RelationshipReader
    ) -> None:
        self._users = users
        self._reader = reader
        self._relationships = relationships

    async def __call__(self, query: ListUserTweetsQuery) -> Page[TweetView]:
        author = await user_open_to(
            self._users, self._relationships, query.username, query.viewer_id
        )
        page = query.page
        rows = await self._reader.by_author(
            author.id,
            query.viewer_id,
            page.before,
            page.fetch,
            include_reposts=query.include_reposts,
            exclude_replies=query.exclude_replies,
        )
        return page_of(rows, page)
