"""The shapes of API.md's objects (Tweet, UserSummary, UserPublic), checked key by key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

TWEET_KEYS = frozenset(
    {"id", "text", "image_url", "author", "created_at", "edited_at", "like_count", "liked_by_me"}
    | {"media", "mentions", "hashtags"}
    | {"repost_count", "reposted_by_me", "reposted_by"}
    | {"reply_count", "in_reply_to_id", "in_reply_to_username"}
    | {"quote_count", "quoted_tweet_id", "quoted_tweet"}
    | {"bookmarked_by_me"}
)
MEDIA_KEYS = frozenset({"id", "url", "alt", "width", "height", "content_type"})
USER_SUMMARY_KEYS = frozenset({"id", "username", "avatar_url"})
USER_PUBLIC_KEYS = frozenset(
    {
        *("id", "username", "first_name", "last_name", "bio", "avatar_url", "created_at"),
        *("followers_count", "following_count", "tweets_count"),
    }
)
# How the viewer stands with the user: null when the request is anonymous.
VIEWER_FLAGS = frozenset({"followed_by_me", "follows_me", "blocking", "blocked_by", "muting"})
USER_PUBLIC_KEYS = USER_PUBLIC_KEYS | VIEWER_FLAGS
USER_PRIVATE_KEYS = (USER_PUBLIC_KEYS - VIEWER_FLAGS) | {"email", "is_admin", "last_login"}


def assert_timestamp(value: Any) -> datetime:
    """``value`` is an RFC 3339 timestamp in UTC with a ``Z`` suffix; as a datetime."""
    assert isinstance(value, str)
    assert value.endswith("Z"), value
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() is not None
    assert parsed.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    return parsed


def assert_user_summary(body: Any) -> dict[str, Any]:
    assert set(body) == USER_SUMMARY_KEYS, body
    assert isinstance(body["id"], int)
    assert isinstance(body["username"], str)
    assert body["avatar_url"] is None or isinstance(body["avatar_url"], str)
    return dict(body)


def assert_tweet(body: Any) -> dict[str, Any]:
    """``body`` is exactly a Tweet object of the contract."""
    assert set(body) == TWEET_KEYS, body
    assert isinstance(body["id"], int)
    assert isinstance(body["text"], str)
    assert body["image_url"] is None or isinstance(body["image_url"], str)
    assert_user_summary(body["author"])
    assert_timestamp(body["created_at"])
    if body["edited_at"] is not None:
        assert_timestamp(body["edited_at"])
    assert isinstance(body["like_count"], int)
    assert body["like_count"] >= 0
    assert body["liked_by_me"] in (None, True, False)
    assert isinstance(body["media"], list)
    assert len(body["media"]) <= 4
    for media in body["media"]:
        assert_media(media)
    # image_url is the first media's url; a tweet's image posted before media were recorded
    # (revision 0009) has none.
    if body["media"]:
        assert body["image_url"] == body["media"][0]["url"], body
    assert isinstance(body["mentions"], list)
    assert len(body["mentions"]) <= 10
    for user in body["mentions"]:
        assert_user_summary(user)
    assert isinstance(body["hashtags"], list)
    assert len(body["hashtags"]) <= 10
    assert all(isinstance(tag, str) for tag in body["hashtags"])
    assert isinstance(body["repost_count"], int)
    assert body["repost_count"] >= 0
    assert body["reposted_by_me"] in (None, True, False)
    assert body["reposted_by_me"] is None or body["liked_by_me"] is not None
    assert (body["bookmarked_by_me"] is None) == (body["liked_by_me"] is None), body
    if body["reposted_by"] is not None:
        assert_user_summary(body["reposted_by"])
    assert isinstance(body["reply_count"], int)
    assert body["reply_count"] >= 0
    assert body["in_reply_to_id"] is None or isinstance(body["in_reply_to_id"], int)
    assert body["in_reply_to_username"] is None or isinstance(body["in_reply_to_username"], str)
    assert isinstance(body["quote_count"], int)
    assert body["quote_count"] >= 0
    assert body["quoted_tweet_id"] is None or isinstance(body["quoted_tweet_id"], int)
    if body["quoted_tweet"] is not None:
        # One level deep, and the tweet named.
        assert body["quoted_tweet"]["id"] == body["quoted_tweet_id"], body
        assert body["quoted_tweet"]["quoted_tweet"] is None, body
        assert_tweet(body["quoted_tweet"])
    return dict(body)


def assert_media(body: Any) -> dict[str, Any]:
    """``body`` is exactly a Media object of the contract."""
    assert set(body) == MEDIA_KEYS, body
    assert isinstance(body["id"], str)
    assert isinstance(body["url"], str)
    assert body["alt"] is None or isinstance(body["alt"], str)
    assert isinstance(body["width"], int)
    assert body["width"] > 0
    assert isinstance(body["height"], int)
    assert body["height"] > 0
    assert body["content_type"] in ("image/jpeg", "image/png", "image/gif", "image/webp")
    return dict(body)


def assert_user_public(body: Any) -> dict[str, Any]:
    """``body`` is exactly a UserPublic object of the contract."""
    assert set(body) == USER_PUBLIC_KEYS, body
    assert_timestamp(body["created_at"])
    for count in ("followers_count", "following_count", "tweets_count"):
        assert isinstance(body[count], int)
    flags = {body[flag] for flag in VIEWER_FLAGS}
    assert flags <= {True, False} or flags == {None}, body
    return dict(body)
