from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from application.ports.tweet_reader import KeyedTweets


class TweetSearch(Protocol):
    """Read models of ``/search/tweets``, as indexed, one query per call (no N+1)."""

    async def tweets(
        self,
        words: Sequence[str],
        author_id: int | None,
        tags: Sequence[str],
        viewer_id: int | None,
        before: int | None,
        limit: int,
    ) -> KeyedTweets:
        """The tweets holding every word (``domain.search`` words), by ``author_id`` if
        given, with every (folded) hashtag of ``tags``; newest first, keyed by tweet id.
        At least one of ``words``, ``author_id`` and ``tags`` is given."""
        ...
