"""Response bodies: what the API answers, built from the use cases' results."""

from __future__ import annotations

from datetime import datetime

import msgspec

from application.ports.media import MediaView
from application.ports.notifications import NotificationView
from application.ports.relationships import MutedUser
from application.ports.tweet_reader import TweetView
from application.ports.user_reader import ProfileView, UserSummary
from application.token_issuer import TokenPair
from domain.relationships import Relationship
from domain.settings import RuntimeSettings
from domain.tweets import TweetVersion
from domain.users import (
    User,
)
from entrypoints.http.links import Links


class TokenPairResponse(msgspec.Struct):
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    token_type: str = "Bearer"

    @classmethod
    def of(cls, pair: TokenPair) -> TokenPairResponse:
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
            refresh_expires_in=pair.refresh_expires_in,
        )


class UserPrivate(msgspec.Struct):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    bio: str
    avatar_url: str | None
    is_admin: bool
    created_at: datetime
    last_login: datetime | None
    followers_count: int
    following_count: int
    tweets_count: int

    @classmethod
    def of(cls, user: User, links: Links) -> UserPrivate:
        return cls(
            id=user.id,
            username=user.username,
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            bio=user.bio,
            avatar_url=links.media(user.avatar),
            is_admin=user.is_admin,
            created_at=user.created_at,
            last_login=user.last_login,
            followers_count=user.followers_count,
            following_count=user.following_count,
            tweets_count=user.tweets_count,
        )


class RegisterResponse(msgspec.Struct):
    user: UserPrivate
    tokens: TokenPairResponse


class SettingsResponse(msgspec.Struct):
    access_token_ttl_seconds: int
    refresh_token_ttl_seconds: int
    refresh_reuse_grace_seconds: int
    login_failures_per_account: int
    login_failures_per_address: int
    registrations_per_address_per_hour: int
    max_image_bytes: int
    uploads_per_user_per_hour: int
    writes_per_user_per_hour: int
    fanout_max_followers: int
    tweet_edit_window_seconds: int
    tweet_max_edits: int
    unattached_media_ttl_seconds: int

    @classmethod
    def of(cls, settings: RuntimeSettings) -> SettingsResponse:
        return cls(**settings.as_dict())


class UserAdminView(UserPrivate):
    """UserPrivate plus ``is_active``, for administrators."""

    is_active: bool

    @classmethod
    def of(cls, user: User, links: Links) -> UserAdminView:
        return cls(**msgspec.structs.asdict(UserPrivate.of(user, links)), is_active=user.is_active)


class UserPublic(msgspec.Struct):
    id: int
    username: str
    first_name: str
    last_name: str
    bio: str
    avatar_url: str | None
    created_at: datetime
    followers_count: int
    following_count: int
    tweets_count: int
    followed_by_me: bool | None
    follows_me: bool | None
    blocking: bool | None
    blocked_by: bool | None
    muting: bool | None

    @classmethod
    def of(cls, profile: ProfileView, links: Links) -> UserPublic:
        return cls(
            id=profile.id,
            username=profile.username,
            first_name=profile.first_name,
            last_name=profile.last_name,
            bio=profile.bio,
            avatar_url=links.media(profile.avatar),
            created_at=profile.created_at,
            followers_count=profile.followers_count,
            following_count=profile.following_count,
            tweets_count=profile.tweets_count,
            followed_by_me=profile.followed_by_me,
            follows_me=profile.follows_me,
            blocking=profile.blocking,
            blocked_by=profile.blocked_by,
            muting=profile.muting,
        )


class UserSummaryResponse(msgspec.Struct):
    id: int
    username: str
    avatar_url: str | None

    @classmethod
    def of(cls, user: UserSummary, links: Links) -> UserSummaryResponse:
        return cls(id=user.id, username=user.username, avatar_url=links.media(user.avatar))


class MediaResponse(msgspec.Struct):
    id: str
    url: str
    alt: str | None
    width: int
    height: int
    content_type: str

    @classmethod
    def of(cls, media: MediaView, links: Links) -> MediaResponse:
        return cls(
            id=media.id,
            url=links.media_url(media.name),
            alt=media.alt,
            width=media.width,
            height=media.height,
            content_type=media.content_type,
        )


class TweetResponse(msgspec.Struct):
    id: int
    text: str
    image_url: str | None
    author: UserSummaryResponse
    created_at: datetime
    edited_at: datetime | None
    like_count: int
    liked_by_me: bool | None
    media: list[MediaResponse]
    mentions: list[UserSummaryResponse]
    hashtags: list[str]
    repost_count: int
    reposted_by_me: bool | None
    reposted_by: UserSummaryResponse | None
    reply_count: int
    in_reply_to_id: int | None
    in_reply_to_username: str | None
    quote_count: int
    quoted_tweet_id: int | None
    # One level deep: a quoted tweet's own ``quoted_tweet`` is always null.
    quoted_tweet: TweetResponse | None
    bookmarked_by_me: bool | None

    @classmethod
    def of(cls, tweet: TweetView, links: Links) -> TweetResponse:
        return cls(
            id=tweet.id,
            text=tweet.text,
            image_url=links.media(tweet.image),
            author=UserSummaryResponse.of(tweet.author, links),
            created_at=tweet.created_at,
            edited_at=tweet.edited_at,
            like_count=tweet.like_count,
            liked_by_me=tweet.liked_by_me,
            media=[MediaResponse.of(media, links) for media in tweet.media],
            mentions=[UserSummaryResponse.of(user, links) for user in tweet.mentions],
            hashtags=list(tweet.hashtags),
            repost_count=tweet.repost_count,
            reposted_by_me=tweet.reposted_by_me,
            reposted_by=(
                None
                if tweet.reposted_by is None
                else UserSummaryResponse.of(tweet.reposted_by, links)
            ),
            reply_count=tweet.reply_count,
            in_reply_to_id=tweet.in_reply_to_id,
            in_reply_to_username=tweet.in_reply_to_username,
            quote_count=tweet.quote_count,
            quoted_tweet_id=tweet.quoted_tweet_id,
            quoted_tweet=None if tweet.quoted is None else cls.of(tweet.quoted, links),
            bookmarked_by_me=tweet.bookmarked_by_me,
        )


class TweetContextResponse(msgspec.Struct):
    ancestors: list[TweetResponse]
    descendants: list[TweetResponse]


class TrendingTagResponse(msgspec.Struct):
    tag: str
    tweets: int
    accounts: int


class TweetPage(msgspec.Struct):
    items: list[TweetResponse]
    next_cursor: str | None


class UserSummaryPage(msgspec.Struct):
    items: list[UserSummaryResponse]
    next_cursor: str | None


class RelationshipResponse(msgspec.Struct):
    username: str
    following: bool
    followed_by: bool
    blocking: bool
    blocked_by: bool
    muting: bool

    @classmethod
    def of(cls, relationship: Relationship) -> RelationshipResponse:
        return cls(
            username=relationship.username,
            following=relationship.following,
            followed_by=relationship.followed_by,
            blocking=relationship.blocking,
            blocked_by=relationship.blocked_by,
            muting=relationship.muting,
        )


class MuteResponse(msgspec.Struct):
    user: UserSummaryResponse
    expires_at: datetime | None
    notifications: bool

    @classmethod
    def of(cls, muted: MutedUser, links: Links) -> MuteResponse:
        return cls(
            user=UserSummaryResponse.of(muted.user, links),
            expires_at=muted.expires_at,
            notifications=muted.notifications,
        )


class MutePage(msgspec.Struct):
    items: list[MuteResponse]
    next_cursor: str | None


class UserAdminPage(msgspec.Struct):
    items: list[UserAdminView]
    next_cursor: str | None


class ActiveUserResponse(msgspec.Struct):
    username: str
    last_login: datetime


class LikeResponse(msgspec.Struct):
    liked: bool
    like_count: int


class NotificationResponse(msgspec.Struct):
    id: int
    type: str
    created_at: datetime
    actor: UserSummaryResponse
    tweet: TweetResponse | None
    read: bool

    @classmethod
    def of(cls, notification: NotificationView, links: Links) -> NotificationResponse:
        tweet = notification.tweet
        return cls(
            id=notification.id,
            type=notification.type.value,
            created_at=notification.created_at,
            actor=UserSummaryResponse.of(notification.actor, links),
            tweet=None if tweet is None else TweetResponse.of(tweet, links),
            read=notification.read,
        )


class NotificationPage(msgspec.Struct):
    items: list[NotificationResponse]
    next_cursor: str | None


class UnreadCountResponse(msgspec.Struct):
    count: int


class BookmarkResponse(msgspec.Struct):
    bookmarked: bool


class RepostResponse(msgspec.Struct):
    reposted: bool
    repost_count: int


class HealthResponse(msgspec.Struct):
    status: str


class TweetVersionResponse(msgspec.Struct):
    """One version of a tweet's text, and since when it was the tweet's."""

    text: str
    created_at: datetime

    @classmethod
    def of(cls, version: TweetVersion) -> TweetVersionResponse:
        return cls(text=version.text, created_at=version.created_at)
