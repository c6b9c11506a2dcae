from __future__ import annotations

from dataclasses import dataclass, field

from application.authorization import active_user
from application.outbox import Outbox
from application.ports.clock import Clock
from application.ports.media import MediaRepository, views_of
from application.ports.transaction import TransactionManager
from application.ports.tweet_entities import TweetEntities
from application.ports.tweet_reader import TweetView
from application.ports.tweets import TweetRepository
from application.ports.user_lookup import UserLookup
from application.ports.user_reader import UserSummary
from application.tweet_entities import read_entities
from application.uploads import ImageUploads, StoredImage
from domain.errors import InvalidMedia
from domain.events import TweetPosted, TweetTagsChanged
from domain.media import Media, is_media_id, media_ids_to_attach, new_media_id
from domain.tweets import Tweet, TweetText


@dataclass(frozen=True, slots=True)
class PostTweetCommand:
    author_id: int
    text: str = ""
    image: bytes | None = field(default=None, repr=False)
    media_ids: tuple[str, ...] = ()


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
    ) -> None:
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
        chosen = await self._uploads_to_attach(command)
        has_media = command.image is not None or bool(chosen)
        text = TweetText.parse(command.text, has_image=has_media)
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
        )

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
