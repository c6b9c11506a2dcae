from __future__ import annotations

from dataclasses import dataclass, field

from application.authorization import active_user
from application.outbox import Outbox
from application.ports.clock import Clock
from application.ports.transaction import TransactionManager
from application.ports.tweet_reader import TweetView
from application.ports.tweets import TweetRepository
from application.ports.user_lookup import UserLookup
from application.ports.user_reader import UserSummary
from application.uploads import ImageUploads
from domain.events import TweetPosted
from domain.tweets import Tweet, TweetText


@dataclass(frozen=True, slots=True)
class PostTweetCommand:
    author_id: int
    text: str = ""
    image: bytes | None = field(default=None, repr=False)


class PostTweet:
    """Publish a tweet with text and/or an image.

    - Text: NFC, trimmed, at most 280 code points; empty only with an image.
    - The image is verified and cleaned before it is stored under a random name; if the
      tweet then cannot be saved, the stored image is deleted again. Uploads are
      rate-limited per user (``uploads_per_user_per_hour``: ``too_many_attempts``).
    - The tweet is in the author's own feed at once, and in followers' feeds too: feeds
      merge in the reader's own tweets and those of the accounts they follow that the
      workers have not yet put in every timeline (``TweetPosted``), or never will (an author
      with more than ``fanout_max_followers`` followers).
    - A deactivated account's token is refused (``invalid_token``), as by every write.
    """

    def __init__(
        self,
        tweets: TweetRepository,
        uploads: ImageUploads,
        clock: Clock,
        tx: TransactionManager,
        users: UserLookup,
        outbox: Outbox,
    ) -> None:
        self._users = users
        self._outbox = outbox
        self._tweets = tweets
        self._uploads = uploads
        self._clock = clock
        self._tx = tx

    async def __call__(self, command: PostTweetCommand) -> TweetView:
        author = await active_user(self._users, command.author_id)
        text = TweetText.parse(command.text, has_image=command.image is not None)
        image = (
            None
            if command.image is None
            else await self._uploads.store(command.image, command.author_id)
        )
        try:
            tweet = await self._tweets.add(
                Tweet(
                    author_id=command.author_id,
                    text=text.value,
                    image=image,
                    created_at=self._clock.now(),
                )
            )
            await self._outbox.emit(TweetPosted(tweet.id, tweet.author_id))
            await self._tx.commit()
        except BaseException:
            await self._uploads.discard(image)
            raise
        # The new tweet as its author sees it: nothing about it is read back.
        return TweetView(
            id=tweet.id,
            text=tweet.text,
            image=tweet.image,
            author=UserSummary(author.id, author.username, author.avatar),
            created_at=tweet.created_at,
            edited_at=None,
            like_count=0,
            liked_by_me=False,
        )
