from __future__ import annotations

from dataclasses import dataclass

from application.authorization import active_user
from application.lookups import existing_tweet
from application.outbox import Outbox
from application.ports.clock import Clock
from application.ports.settings_reader import SettingsReader
from application.ports.transaction import TransactionManager
from application.ports.tweet_entities import TweetEntities
from application.ports.tweet_reader import TweetReader, TweetView
from application.ports.tweets import TweetRepository
from application.ports.user_lookup import UserLookup
from application.tweet_entities import Entities, read_entities
from domain.errors import NotAuthor, TweetNotFound
from domain.events import TweetEdited, TweetTagsChanged
from domain.tweets import Tweet, TweetText, TweetVersion


@dataclass(frozen=True, slots=True)
class EditTweetCommand:
    actor_id: int
    tweet_id: int
    text: str


class EditTweet:
    """Change a tweet's text; only its author may, and ``edited_at`` records when.

    - The text rules of posting apply (empty text only if the tweet has an image).
    - Within ``tweet_edit_window_seconds`` of posting and at most ``tweet_max_edits`` times
      (``Tweet.edit``), checked after ``tweet_not_found`` and ``not_author``. Edits racing
      each other never pass the limit: each is saved only if no other was since its read.
    - Every version is kept (``GetTweetHistory``): an edit keeps the one it replaces.
    - An edit reads the mentions and hashtags of the new text again, in its transaction;
      the workers then count its hashtags anew for ``/tags/trending`` and index its words
      anew for ``/search/tweets`` (``TweetEdited``).
    - The same text again is no edit: the tweet is answered as it is.
    """

    def __init__(
        self,
        tweets: TweetRepository,
        reader: TweetReader,
        clock: Clock,
        tx: TransactionManager,
        users: UserLookup,
        settings: SettingsReader,
        entities: TweetEntities,
        outbox: Outbox,
    ) -> None:
        self._entities = entities
        self._outbox = outbox
        self._users = users
        self._tweets = tweets
        self._reader = reader
        self._clock = clock
        self._tx = tx
        self._settings = settings

    async def __call__(self, command: EditTweetCommand) -> TweetView:
        await active_user(self._users, command.actor_id)
        settings = await self._settings.current()
        replaced: TweetVersion | None = None
        # Each time a save is refused another edit was saved meanwhile, so the tweet has one
        # edit more: this ends, at the latest when the limit is reached.
        while True:
            tweet = await existing_tweet(self._tweets, command.tweet_id)
            if not tweet.is_by(command.actor_id):
                raise NotAuthor
            text = TweetText.parse(command.text, has_image=tweet.image is not None)
            replaced = tweet.edit(
                text,
                # Read after the rival edit that refused an earlier try: the versions' times
                # follow their order.
                self._clock.now(),
                window=settings.tweet_edit_window,
                max_edits=settings.tweet_max_edits,
            )
            if replaced is None or await self._tweets.record_edit(tweet, replaced):
                break
        entities = None
        if replaced is not None:
            entities = await self._recompute_mentions_and_hashtags(tweet)
        await self._tx.commit()
        view = await self._reader.tweet(tweet.id, command.actor_id)
        if view is None:
            raise TweetNotFound
        # As this edit left it, even if another was saved since.
        view = view._replace(text=tweet.text, edited_at=tweet.edited_at)
        if entities is not None:
            view = view._replace(mentions=entities[0], hashtags=entities[1])
        return view

    async def _recompute_mentions_and_hashtags(self, tweet: Tweet) -> Entities:
        """API.md: "An edit recomputes them", in the edit's transaction."""
        mentions, tags = await read_entities(self._entities, tweet.text)
        await self._entities.replace(tweet.id, [user.id for user in mentions], tags)
        # Whether it had hashtags before is not known here: the job finds out.
        await self._outbox.emit(TweetTagsChanged(tweet.id), TweetEdited(tweet.id))
        return mentions, tags
