from __future__ import annotations

from dataclasses import dataclass

from application.authorization import active_user
from application.lookups import existing_tweet
from application.outbox import Outbox
from application.ports.media import MediaRepository
from application.ports.transaction import TransactionManager
from application.ports.tweets import TweetRepository
from application.ports.user_lookup import UserLookup
from application.uploads import ImageUploads
from domain.errors import NotAuthor
from domain.events import TweetDeleted


@dataclass(frozen=True, slots=True)
class DeleteTweetCommand:
    actor_id: int
    tweet_id: int


class DeleteTweet:
    """Delete a tweet: its author may, and so may an administrator (checked in storage).

    Its likes and feed entries go with it; its media (and the v1 image) are deleted once the
    delete is committed, by jobs queued with it if the media store is down then. The
    workers remove its words from the search index (``TweetDeleted``).
    """

    def __init__(
        self,
        tweets: TweetRepository,
        users: UserLookup,
        uploads: ImageUploads,
        tx: TransactionManager,
        media: MediaRepository,
        outbox: Outbox,
    ) -> None:
        self._outbox = outbox
        self._media = media
        self._tweets = tweets
        self._users = users
        self._uploads = uploads
        self._tx = tx

    async def __call__(self, command: DeleteTweetCommand) -> None:
        actor = await active_user(self._users, command.actor_id)
        tweet = await existing_tweet(self._tweets, command.tweet_id)
        if not tweet.is_by(command.actor_id) and not actor.is_admin:
            raise NotAuthor
        names = await self._media.detach_all(tweet.id)
        if tweet.image is not None and tweet.image not in names:
            names.append(tweet.image)  # an image posted before media were recorded
        await self._tweets.delete(tweet)
        await self._outbox.emit(TweetDeleted(tweet.id, tweet.author_id))
        for name in names:
            await self._uploads.discard_later(name)
        await self._tx.commit()
        for name in names:
            await self._uploads.discard_now(name)
