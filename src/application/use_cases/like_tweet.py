from __future__ import annotations

from dataclasses import dataclass

from application.authorization import active_user, unblocked
from application.lookups import existing_tweet
from application.outbox import Outbox
from application.ports.clock import Clock
from application.ports.likes import LikeRepository
from application.ports.relationships import BlockRepository
from application.ports.transaction import TransactionManager
from application.ports.tweets import TweetRepository
from application.ports.user_lookup import UserLookup
from domain.events import TweetLiked


@dataclass(frozen=True, slots=True)
class LikeCommand:
    user_id: int
    tweet_id: int


@dataclass(frozen=True, slots=True)
class LikeResult:
    liked: bool
    like_count: int


class LikeTweet:
    """Like a tweet; liking it again changes nothing (idempotent). A block between the
    liker and the author refuses it (``blocked``, even where the tweet exists)."""

    def __init__(
        self,
        tweets: TweetRepository,
        likes: LikeRepository,
        clock: Clock,
        tx: TransactionManager,
        users: UserLookup,
        blocks: BlockRepository,
        outbox: Outbox,
    ) -> None:
        self._users = users
        self._blocks = blocks
        self._outbox = outbox
        self._tweets = tweets
        self._likes = likes
        self._clock = clock
        self._tx = tx

    async def __call__(self, command: LikeCommand) -> LikeResult:
        await active_user(self._users, command.user_id)
        tweet = await existing_tweet(self._tweets, command.tweet_id)
        await unblocked(self._blocks, command.user_id, tweet.author_id)
        change = await self._likes.like(command.user_id, command.tweet_id, self._clock.now())
        if change.created:
            await self._outbox.emit(TweetLiked(command.user_id, command.tweet_id))
        await self._tx.commit()
        return LikeResult(liked=True, like_count=change.like_count)
