from __future__ import annotations

from dataclasses import dataclass

from application.authorization import active_user
from application.lookups import existing_tweet
from application.ports.clock import Clock
from application.ports.transaction import TransactionManager
from application.ports.tweet_reader import TweetReader, TweetView
from application.ports.tweets import TweetRepository
from application.ports.user_lookup import UserLookup
from domain.errors import NotAuthor, TweetNotFound
from domain.tweets import TweetText


@dataclass(frozen=True, slots=True)
class EditTweetCommand:
    actor_id: int
    tweet_id: int
    text: str


class EditTweet:
    """Change a tweet's text; only its author may, and ``edited_at`` records when.

    The text rules of posting apply (empty text only if the tweet has an image).
    """

    def __init__(
        self,
        tweets: TweetRepository,
        reader: TweetReader,
        clock: Clock,
        tx: TransactionManager,
        users: UserLookup,
    ) -> None:
        self._users = users
        self._tweets = tweets
        self._reader = reader
        self._clock = clock
        self._tx = tx

    async def __call__(self, command: EditTweetCommand) -> TweetView:
        await active_user(self._users, command.actor_id)
        tweet = await existing_tweet(self._tweets, command.tweet_id)
        if not tweet.is_by(command.actor_id):
            raise NotAuthor
        tweet.edit(
            TweetText.parse(command.text, has_image=tweet.image is not None), self._clock.now()
        )
        await self._tweets.update(tweet)
        await self._tx.commit()
        view = await self._reader.tweet(tweet.id, command.actor_id)
        if view is None:
            raise TweetNotFound
        return view
