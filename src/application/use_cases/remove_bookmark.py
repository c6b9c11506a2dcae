from __future__ import annotations

from application.authorization import active_user
from application.lookups import existing_tweet
from application.ports.bookmarks import BookmarkRepository
from application.ports.transaction import TransactionManager
from application.ports.tweets import TweetRepository
from application.ports.user_lookup import UserLookup
from application.use_cases.bookmark_tweet import BookmarkCommand


class RemoveBookmark:
    """Remove a bookmark (idempotent), also across a block: it only takes away."""

    def __init__(
        self,
        users: UserLookup,
        tweets: TweetRepository,
        bookmarks: BookmarkRepository,
        tx: TransactionManager,
    ) -> None:
        self._users = users
        self._tweets = tweets
        self._bookmarks = bookmarks
        self._tx = tx

    async def __call__(self, command: BookmarkCommand) -> bool:
        await active_user(self._users, command.user_id)
        tweet = await existing_tweet(self._tweets, command.tweet_id)
        await self._bookmarks.remove(command.user_id, tweet.id)
        await self._tx.commit()
        return False
