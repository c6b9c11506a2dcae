"""Finding what a request names, or saying it does not exist."""

from __future__ import annotations

from application.ports.relationships import RelationshipReader
from application.ports.tweet_reader import TweetReader
from application.ports.tweets import TweetRepository
from application.ports.user_lookup import UserLookup
from domain.errors import Blocked, TweetNotFound, UserNotFound
from domain.ids import is_id
from domain.tweets import Tweet
from domain.users import User, is_username


async def user_named(users: UserLookup, username: str) -> User:
    user = await users.get_by_username(username) if is_username(username) else None
    if user is None:
        raise UserNotFound
    return user


async def existing_tweet(tweets: TweetRepository, tweet_id: int) -> Tweet:
    tweet = await tweets.get(tweet_id) if is_id(tweet_id) else None
    if tweet is None:
        raise TweetNotFound
    return tweet


async def seen_tweet(reader: TweetReader, tweet_id: int, viewer_id: int | None) -> None:
    """Refuses (``tweet_not_found``) a tweet that does not exist, or that a block between
    the viewer and its author hides."""
    if not (is_id(tweet_id) and await reader.exists(tweet_id, viewer_id)):
        raise TweetNotFound


async def user_open_to(
    users: UserLookup, relationships: RelationshipReader, username: str, viewer_id: int | None
) -> User:
    """The user named, whose lists (tweets, followers, following) the viewer may read:
    ``blocked`` when a block separates the two (found in the same read as the user)."""
    if viewer_id is None:
        return await user_named(users, username)
    found = await relationships.user_named(username, viewer_id)
    if found is None:
        raise UserNotFound
    user, blocked = found
    if blocked:
        raise Blocked
    return user
