from __future__ import annotations

from dataclasses import dataclass

from application.authorization import active_user
from application.lookups import existing_tweet
from application.ports.transaction import TransactionManager
from application.ports.tweets import TweetRepository
from application.ports.user_lookup import UserLookup
from application.uploads import ImageUploads
from domain.errors import NotAuthor


@dataclass(frozen=True, slots=True)
class DeleteTweetCommand:
    actor_id: int
    tweet_id: int


class DeleteTweet:
    """Delete a tweet: its author may, and so may an administrator (checked in storage).

    Its likes and feed entries go with it; its image is deleted once the delete is
    committed, by a job queued with it if the media store is down then.
    """

    def __init__(
        self,
        tweets: TweetRepository,
        users: UserLookup,
        uploads: ImageUploads,
        tx: TransactionManager,
    ) -> None:
        self._tweets = tweets
        self._users = users
        self._uploads = uploads
        self._tx = tx

    async def __call__(self, command: DeleteTweetCommand) -> None:
        actor = await active_user(self._users, command.actor_id)
        tweet = await existing_tweet(self._tweets, command.tweet_id)
        if not tweet.is_by(command.actor_id) and not actor.is_admin:
            raise NotAuthor
        await self._tweets.delete(tweet)
        await self._uploads.discard_later(tweet.image)
        await self._tx.commit()
        await self._uploads.discard_now(tweet.image)
