from __future__ import annotations

from application.authorization import active_user
from application.lookups import existing_tweet
from application.ports.likes import LikeRepository
from application.ports.transaction import TransactionManager
from application.ports.tweets import TweetRepository
from application.ports.user_lookup import UserLookup
from application.use_cases.like_tweet import LikeCommand, LikeResult


class UnlikeTweet:
    """Take back a like; unliking a tweet one does not like changes nothing (idempotent)."""

    def __init__(
        self,
        tweets: TweetRepository,
        likes: LikeRepository,
        tx: TransactionManager,
        users: UserLookup,
    ) -> None:
        self._users = users
        self._tweets = tweets
        self._likes = likes
        self._tx = tx

    async def __call__(self, command: LikeCommand) -> LikeResult:
        await active_user(self._users, command.user_id)
        await existing_tweet(self._tweets, command.tweet_id)
        count = await self._likes.unlike(command.user_id, command.tweet_id)
        await self._tx.commit()
        return LikeResult(liked=False, like_count=count)
