"""Finding what a request names, or saying it does not exist."""

from __future__ import annotations

from application.ports.tweets import TweetRepository
from application.ports.user_lookup import UserLookup
from domain.errors import TweetNotFound, UserNotFound
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
