from __future__ import annotations

from dataclasses import dataclass

from application.authorization import active_user, unblocked
from application.lookups import existing_tweet
from application.ports.bookmarks import BookmarkRepository
from application.ports.clock import Clock
from application.ports.relationships import BlockRepository
from application.ports.transaction import TransactionManager
from application.ports.tweets import TweetRepository
from application.ports.user_lookup import UserLookup


@dataclass(frozen=True, slots=True)
class BookmarkCommand:
    user_id: int
    tweet_id: int


class BookmarkTweet:
    """Bookmark a tweet, one's own included; again changes nothing (idempotent). Bookmarks
    are private: nothing is derived from them. A block between the user and the author
    refuses it (``blocked``)."""

    def __init__(
        self,
        users: UserLookup,
        tweets: TweetRepository,
        blocks: BlockRepository,
        bookmarks: BookmarkRepository,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._users = users
        self._tweets = tweets
        self._blocks = blocks
        self._bookmarks = bookmarks
        self._clock = clock
        self._tx = tx

    async def __call__(self, command: BookmarkCommand) -> bool:
        await active_user(self._users, command.user_id)
        tweet = await existing_tweet(self._tweets, command.tweet_id)
        await unblocked(self._blocks, command.user_id, tweet.author_id)
        await self._bookmarks.bookmark(command.user_id, tweet.id, self._clock.now())
        await self._tx.commit()
        return True
