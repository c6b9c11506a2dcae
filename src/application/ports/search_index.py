from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class SearchIndex(Protocol):
    """The words of each tweet that ``/search/tweets`` matches, kept by the workers
    (``IndexTweet``) in their own transaction."""

    async def put(self, tweet_id: int, version: int, words: Sequence[str]) -> None:
        """Hold ``words`` for the tweet, read at ``version`` (its ``edit_count``): unless
        words of a later version are held already (a late job), or the tweet is gone."""
        ...

    async def remove(self, tweet_id: int) -> None:
        """Hold nothing for the tweet (it was deleted); nothing to do if nothing is held."""
        ...
