"""The workers' notifications: derived from the events of the write path, each job made
idempotent by the notifications' unique key (a notification is made at most once ever)."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.clock import Clock
from application.ports.notifications import Notifications
from application.ports.transaction import TransactionManager
from application.ports.tweet_entities import TweetEntities
from application.ports.tweets import TweetRepository
from domain.notifications import NotificationType, notice, notices_of_post

NOTIFY_FOLLOW = "notifications.follow"
NOTIFY_LIKE = "notifications.like"
NOTIFY_REPOST = "notifications.repost"
NOTIFY_TWEET = "notifications.tweet"


@dataclass(frozen=True, slots=True)
class Followed:
    follower_id: int
    followee_id: int


@dataclass(frozen=True, slots=True)
class Liked:
    user_id: int
    tweet_id: int


@dataclass(frozen=True, slots=True)
class Reposted:
    repost_id: int
    user_id: int
    tweet_id: int = 0


@dataclass(frozen=True, slots=True)
class TweetToNotify:
    tweet_id: int
    author_id: int | None = None  # carried by TweetPosted and TweetDeleted, not needed here


class NotifyFollow:
    """Tell the followed account who followed it."""

    def __init__(self, notifications: Notifications, clock: Clock, tx: TransactionManager) -> None:
        self._notifications = notifications
        self._clock = clock
        self._tx = tx

    async def __call__(self, work: Followed) -> None:
        made = notice(work.followee_id, NotificationType.FOLLOW, work.follower_id, None)
        await self._notifications.add(made, self._clock.now())
        await self._tx.commit()


class _NotifyAuthor:
    """Tell a tweet's author that someone liked or reposted it (not if it is gone)."""

    kind: NotificationType

    def __init__(
        self,
        tweets: TweetRepository,
        notifications: Notifications,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._tweets = tweets
        self._notifications = notifications
        self._clock = clock
        self._tx = tx

    async def _notify(self, actor_id: int, tweet_id: int) -> None:
        tweet = await self._tweets.get(tweet_id)
        if tweet is not None:
            made = notice(tweet.author_id, self.kind, actor_id, tweet.id)
            await self._notifications.add(made, self._clock.now())
        await self._tx.commit()


class NotifyLike(_NotifyAuthor):
    kind = NotificationType.LIKE

    async def __call__(self, work: Liked) -> None:
        await self._notify(work.user_id, work.tweet_id)


class NotifyRepost(_NotifyAuthor):
    kind = NotificationType.REPOST

    async def __call__(self, work: Reposted) -> None:
        await self._notify(work.user_id, work.tweet_id)


class NotifyTweet:
    """After a post or an edit, tell the parent's author of a reply, the quoted tweet's
    author of a quote and each user mentioned (``notices_of_post``; an edit's new mentions
    are told, the rest were already); after a delete, take the tweet's notifications away.
    The job reads the tweet as it is when it runs."""

    def __init__(
        self,
        tweets: TweetRepository,
        entities: TweetEntities,
        notifications: Notifications,
        tx: TransactionManager,
    ) -> None:
        self._tweets = tweets
        self._entities = entities
        self._notifications = notifications
        self._tx = tx

    async def __call__(self, work: TweetToNotify) -> None:
        tweet = await self._tweets.get(work.tweet_id)
        if tweet is None:
            await self._notifications.remove_for_tweet(work.tweet_id)
        else:
            quoted = (
                None
                if tweet.quoted_tweet_id is None
                else await self._tweets.get(tweet.quoted_tweet_id)
            )
            notices = notices_of_post(
                tweet.id,
                tweet.author_id,
                tweet.in_reply_to_user_id,
                None if quoted is None else quoted.author_id,
                await self._entities.mentioned(tweet.id),
            )
            await self._notifications.add(notices, tweet.edited_at or tweet.created_at)
        await self._tx.commit()
