from __future__ import annotations

from dataclasses import dataclass

from application.ports.thread_reader import ThreadReader, TweetContext
from domain.errors import TweetNotFound
from domain.ids import is_id


@dataclass(frozen=True, slots=True)
class GetTweetContextQuery:
    tweet_id: int
    viewer_id: int | None = None


class GetTweetContext:
    """The conversation around a tweet (``tweet_not_found`` if it does not exist).

    - ``ancestors``: from the root down to the parent, at most the 40 nearest the parent; a
      deleted tweet in the chain ends it there (the tweets above it are not shown).
    - ``descendants``: depth-first, siblings oldest first, the first 60 in that order, at
      most 20 levels below the tweet; a deleted tweet's replies are not reached.
    """

    def __init__(self, threads: ThreadReader) -> None:
        self._threads = threads

    async def __call__(self, query: GetTweetContextQuery) -> TweetContext:
        context = (
            await self._threads.context(query.tweet_id, query.viewer_id)
            if is_id(query.tweet_id)
            else None
        )
        if context is None:
            raise TweetNotFound
        return context
