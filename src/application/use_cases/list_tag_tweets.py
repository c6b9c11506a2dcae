from __future__ import annotations

from dataclasses import dataclass

from application.pagination import Page, PageRequest, page_of
from application.ports.tag_reader import TagReader
from application.ports.tweet_reader import TweetView
from domain.tweet_entities import canonical_hashtag


@dataclass(frozen=True, slots=True)
class ListTagTweetsQuery:
    tag: str  # without its ``#``
    page: PageRequest
    viewer_id: int | None = None


class ListTagTweets:
    """The tweets with a hashtag, newest first, keyset-paged.

    - The tag is compared as hashtags are (NFKC and case folded): ``Python``, ``PYTHON`` and
      its fullwidth form name the same tag.
    - A name no hashtag can have (``123``, ``a-b``, more than 50 characters) has no tweets:
      an empty page, not an error (API.md lists none for this endpoint).
    """

    def __init__(self, tags: TagReader) -> None:
        self._tags = tags

    async def __call__(self, query: ListTagTweetsQuery) -> Page[TweetView]:
        tag = canonical_hashtag(query.tag)
        if tag is None:
            return Page(items=[], next_cursor=None)
        page = query.page
        rows = await self._tags.tweets(tag, query.viewer_id, page.before, page.fetch)
        return page_of(rows, page)
