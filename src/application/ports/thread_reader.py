from __future__ import annotations

from typing import NamedTuple, Protocol

from application.ports.tweet_reader import KeyedTweets, TweetView


class TweetContext(NamedTuple):
    """The thread around a tweet: ``ancestors`` from the root down to its parent,
    ``descendants`` depth-first with siblings oldest first."""

    ancestors: list[TweetView]
    descendants: list[TweetView]


class ThreadReader(Protocol):
    """Read models of conversations, as committed; a bounded number of statements per call
    whatever the thread's size."""

    async def replies(
        self, tweet_id: int, viewer_id: int | None, after: int | None, limit: int
    ) -> KeyedTweets:
        """The tweet's direct replies, oldest (smallest key) first, keyed by tweet id, keys
        above ``after`` when it is given."""
        ...

    async def context(self, tweet_id: int, viewer_id: int | None) -> TweetContext | None:
        """The tweet's context (None if the tweet does not exist): at most
        ``MAX_ANCESTORS`` ancestors, the nearest the parent, the chain ending at a deleted
        tweet; the first ``MAX_DESCENDANTS`` descendants at most ``MAX_DESCENDANT_DEPTH``
        levels below it (``domain.tweets``)."""
        ...
