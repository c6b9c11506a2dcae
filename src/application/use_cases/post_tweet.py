from __future__ import annotations

from dataclasses import dataclass, field

from application.authorization import active_user, unblocked
from application.lookups import existing_tweet
from application.outbox import Outbox
from application.ports.clock import Clock
from application.ports.media import MediaRepository, views_of
from application.ports.relationships import BlockRepository
from application.ports.transaction import TransactionManager
from application.ports.tweet_entities import TweetEntities
from application.ports.tweet_reader import TweetReader, TweetView
from application.ports.tweets import TweetRepository
from application.ports.user_lookup import UserLookup
from application.ports.user_reader import UserSummary
from application.tweet_entities import read_entities
from application.uploads import ImageUploads, StoredImage
from domain.errors import InvalidMedia, TweetNotFound, ValidationError
from domain.events import TweetPosted, TweetTagsChanged
from domain.ids import is_id
from domain.media import Media, is_media_id, media_ids_to_attach, new_media_id
from domain.tweets import Tweet, TweetText


@dataclass(frozen=True, slots=True)
class PostTweetCommand:
    author_id: int
    text: str = ""
    image: bytes | None = field(default=None, repr=False)
    media_ids: tuple[str, ...] = ()
    in_reply_to_id: int | None = None
    quoted_tweet_id: int | None = None


class PostTweet:
    """Publish a tweet with text and/or media.

    - Text: NFC, trimmed, at most 280 code points; empty only with an image.
    - Media: either one ``image`` uploaded with the tweet (v1), or up to 4 ``media_ids`` of
      the author's own uploads (``UploadMedia``) that no tweet has attached, each once, in
      order; anything else is ``invalid_media``. Attaching is race-safe: of two tweets
      attaching one upload at once, one gets it and the other is ``invalid_media``.
    - The tweet's ``image`` is its first media's stored name.
    - The v1 image is verified and cleaned before it is stored under a random name, and
      recorded as the tweet's one media; if the tweet then cannot be saved, the stored image
      is deleted again. Uploads are rate-limited per user (``uploads_per_user_per_hour``:
      ``too_many_attempts``).
    - The tweet is in the author's own feed at once, and in followers' feeds too: feeds
      merge in the reader's own tweets and those of the accounts they follow that the
      workers have not yet put in every timeline (``TweetPosted``), or never will (an author
      with more than ``fanout_max_followers`` followers).
    - Its mentions (of active users) and hashtags are read from the text and stored with it;
      the workers count its hashtags for ``/tags/trending`` (``TweetTagsChanged``) and
      index its words for ``/search/tweets`` (``TweetPosted``).
    - ``in_reply_to_id`` makes it a reply: to a tweet that exists (``tweet_not_found``);
      the parent's ``reply_count`` counts it (folded by the workers). A reply reaches a
      follower's feed only by ``domain.tweets.reaches_feed_of``.
    - A quote (``quoted_tweet_id``) names an existing tweet (a positive id, else a
      validation error; ``tweet_not_found`` when there is none) and embeds it one level
      deep, as its author sees it; the workers count it in the original's ``quote_count``,
      which the response already shows.
    - Replying to or quoting a tweet across a block, either way, is refused (``blocked``).
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
        media: MediaRepository,
        entities: TweetEntities,
        reader: TweetReader,
        blocks: BlockRepository,
    ) -> None:
        self._blocks = blocks
        self._reader = reader
        self._entities = entities
        self._users = users
        self._outbox = outbox
        self._tweets = tweets
        self._uploads = uploads
        self._clock = clock
        self._tx = tx
        self._media = media

    async def __call__(self, command: PostTweetCommand) -> TweetView:
        author = await active_user(self._users, command.author_id)
        parent = await self._parent(command.in_reply_to_id, command.author_id)
        chosen = await self._uploads_to_attach(command)
        has_media = command.image is not None or bool(chosen)
        text = TweetText.parse(command.text, has_image=has_media)
        quoted_id = await self._tweet_to_quote(command.quoted_tweet_id, command.author_id)
        image = (
            None
            if command.image is None
            else await self._uploads.store_image(command.image, command.author_id)
        )
        now = self._clock.now()
        try:
            tweet = await self._tweets.add(
                Tweet(
                    author_id=command.author_id,
                    text=text.value,
                    image=image.name if image else (chosen[0].name if chosen else None),
                    created_at=now,
                    in_reply_to_id=parent.id if parent else None,
                    in_reply_to_user_id=parent.author_id if parent else None,
                    quoted_tweet_id=quoted_id,
                )
            )
            if image is not None:
                chosen = [self._v1_media(image, tweet)]
                await self._media.add(chosen[0])
            else:
                await self._attach(chosen, tweet)
            mentions, tags = await read_entities(self._entities, tweet.text)
            await self._entities.add(tweet.id, [user.id for user in mentions], tags)
            await self._outbox.emit(
                TweetPosted(tweet.id, tweet.author_id),
                *([TweetTagsChanged(tweet.id)] if tags else []),
            )
            quote_count = None if quoted_id is None else await self._tweets.quote_count(quoted_id)
            await self._tx.commit()
        except BaseException:
            await self._uploads.discard(image.name if image else None)
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
            media=views_of(chosen),
            mentions=mentions,
            hashtags=tags,
            reposted_by_me=False,
            bookmarked_by_me=False,
            in_reply_to_id=tweet.in_reply_to_id,
            in_reply_to_username=await self._username(tweet.in_reply_to_user_id),
            quoted_tweet_id=quoted_id,
            quoted=await self._quoted(quoted_id, quote_count, command.author_id),
        )

    async def _parent(self, tweet_id: int | None, author_id: int) -> Tweet | None:
        if tweet_id is None:
            return None
        if not is_id(tweet_id):
            raise ValidationError.single("in_reply_to_id", "must be a tweet's id")
        parent = await self._tweets.get(tweet_id)
        if parent is None:
            raise TweetNotFound("The tweet replied to does not exist.")
        await unblocked(self._blocks, author_id, parent.author_id)
        return parent

    async def _username(self, user_id: int | None) -> str | None:
        user = None if user_id is None else await self._users.get(user_id)
        return None if user is None else user.username

    async def _tweet_to_quote(self, quoted_tweet_id: int | None, author_id: int) -> int | None:
        if quoted_tweet_id is None:
            return None
        if not is_id(quoted_tweet_id):
            raise ValidationError.single("quoted_tweet_id", "must be a positive integer")
        quoted = await existing_tweet(self._tweets, quoted_tweet_id)
        await unblocked(self._blocks, author_id, quoted.author_id)
        return quoted_tweet_id

    async def _quoted(
        self, quoted_id: int | None, quote_count: int | None, author_id: int
    ) -> TweetView | None:
        """The quoted tweet as the author sees it, counting this quote (null if it was
        deleted meanwhile)."""
        if quoted_id is None:
            return None
        view = await self._reader.tweet(quoted_id, author_id)
        if view is None or quote_count is None:
            return None
        return view._replace(quote_count=quote_count, quoted=None)

    async def _uploads_to_attach(self, command: PostTweetCommand) -> list[Media]:
        """The uploads ``media_ids`` names, checked before anything is written (``attach``
        checks again, against a race)."""
        chosen = []
        for index, media_id in enumerate(media_ids_to_attach(command.media_ids)):
            media = await self._media.get(media_id) if is_media_id(media_id) else None
            if media is None or not media.can_be_attached_by(command.author_id):
                raise InvalidMedia(f"media_ids[{index}] is not an upload of yours to attach.")
            chosen.append(media)
        return chosen

    async def _attach(self, chosen: list[Media], tweet: Tweet) -> None:
        for position, media in enumerate(chosen):
            if not await self._media.attach(media.id, tweet.author_id, tweet.id, position):
                raise InvalidMedia(
                    f"media_ids[{position}] was attached to another tweet meanwhile."
                )
            media.tweet_id, media.position = tweet.id, position

    def _v1_media(self, image: StoredImage, tweet: Tweet) -> Media:
        return Media(
            id=new_media_id(),
            uploader_id=tweet.author_id,
            name=image.name,
            content_type=image.content_type,
            width=image.width,
            height=image.height,
            created_at=tweet.created_at,
            tweet_id=tweet.id,
            position=0,
        )
