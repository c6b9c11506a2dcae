from __future__ import annotations

from dataclasses import dataclass

from application.pagination import Page, PageRequest, page_of
from application.ports.tweet_reader import TweetView
from application.ports.tweet_search import TweetSearch
from application.ports.user_lookup import UserLookup
from domain.search import SearchTerms
from domain.tweet_entities import MAX_HASHTAGS
from domain.users import is_username


@dataclass(frozen=True, slots=True)
class SearchTweetsQuery:
    q: str
    page: PageRequest
    viewer_id: int | None = None


class SearchTweets:
    """The tweets matching every term of ``q``, newest first, keyset-paged.

    - ``q`` is 1-200 characters with at least one word, ``from:username`` or ``#tag``
      (``SearchTerms.parse``); anything else is a ``validation_error``.
    - Words match the words of the text case-insensitively, after NFKC and without generic
      accents (``domain.search``): ``Cafe`` finds "café". Every word must be in the tweet.
    - ``from:`` names the author (an unknown name, or two different names, find nothing);
      ``#tag`` a hashtag of the tweet, as hashtags are read (more than a tweet can hold find
      nothing).
    - What is searched is the index the workers keep: a new or edited tweet is found
      shortly after its write; a deleted one never.
    """

    def __init__(self, search: TweetSearch, users: UserLookup) -> None:
        self._search = search
        self._users = users

    async def __call__(self, query: SearchTweetsQuery) -> Page[TweetView]:
        terms = SearchTerms.parse(query.q)
        nothing: Page[TweetView] = Page(items=[], next_cursor=None)
        if len(terms.authors) > 1 or len(terms.tags) > MAX_HASHTAGS:
            return nothing
        author_id = None
        if terms.authors:
            [name] = terms.authors
            author = await self._users.get_by_username(name) if is_username(name) else None
            if author is None:
                return nothing
            author_id = author.id
        page = query.page
        rows = await self._search.tweets(
            terms.words, author_id, terms.tags, query.viewer_id, page.before, page.fetch
        )
        return page_of(rows, page)
