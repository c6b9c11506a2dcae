"""Mentions and hashtags: stored with their tweet, and the mentions of a page of tweets in
one statement (hashtags come with the tweet's row)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from adapters.sql.database import Reads
from adapters.sql.statements import ReadQuery, WriteStatement
from adapters.sql.tables import Id, tweet_hashtags, tweet_mentions, tweets, users
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.tweet_entities import TweetEntities
from application.ports.tweet_reader import TweetView
from application.ports.user_reader import UserSummary
from domain.tweet_entities import MAX_HASHTAGS, MAX_MENTIONS

# Lookups of up to this many names (or tweets) per statement, the rest of the placeholders
# NULL, so a few prepared statements serve every text (280 characters hold at most 57
# candidates: "@abc " each) and every page (at most 100 tweets).
_NAME_BATCHES = (4, 16, 64)
_TWEET_BATCHES = (4, 20, 100)


def _placeholders(prefix: str, size: int) -> list[Any]:
    return [bindparam(f"{prefix}{i}", type_=Id if prefix == "t" else None) for i in range(size)]


def _batches(values: Sequence[Any], sizes: tuple[int, ...], prefix: str) -> list[dict[str, Any]]:
    largest = sizes[-1]
    params = []
    for start in range(0, len(values), largest):
        batch = values[start : start + largest]
        size = next(size for size in sizes if size >= len(batch))
        params.append({f"{prefix}{i}": batch[i] if i < len(batch) else None for i in range(size)})
    return params


_ACTIVE_USERS = {
    size: ReadQuery(
        select(users.c.id, users.c.username, users.c.username_canonical, users.c.avatar).where(
            users.c.username_canonical.in_(_placeholders("n", size)), users.c.is_active.is_(True)
        )
    )
    for size in _NAME_BATCHES
}
_ADD_MENTIONS = {
    count: WriteStatement(
        insert(tweet_mentions).values(
            [
                {"tweet_id": bindparam("tweet"), "position": i, "user_id": bindparam(f"u{i}")}
                for i in range(count)
            ]
        )
    )
    for count in range(1, MAX_MENTIONS + 1)
}
_ADD_HASHTAGS = {
    count: WriteStatement(
        insert(tweet_hashtags).values(
            [
                {"tweet_id": bindparam("tweet"), "position": i, "tag": bindparam(f"h{i}")}
                for i in range(count)
            ]
        )
    )
    for count in range(1, MAX_HASHTAGS + 1)
}
_REMOVE_MENTIONS = WriteStatement(
    delete(tweet_mentions).where(tweet_mentions.c.tweet_id == bindparam("tweet"))
)
_REMOVE_HASHTAGS = WriteStatement(
    delete(tweet_hashtags).where(tweet_hashtags.c.tweet_id == bindparam("tweet"))
)
_ON_TWEET = WriteStatement(
    update(tweets)
    .where(tweets.c.id == bindparam("tweet"))
    .values(hashtags=bindparam("tags"), mention_count=bindparam("mentions"))
)


_MENTIONED = ReadQuery(
    select(tweet_mentions.c.user_id)
    .where(tweet_mentions.c.tweet_id == bindparam("tweet"))
    .order_by(tweet_mentions.c.position)
)


class SqlTweetEntities(TweetEntities):
    """Rows in ``tweet_mentions`` and ``tweet_hashtags``, and their summary on the tweet's
    row; a tweet with neither costs its post no statement."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._statements = uow

    async def active_users(self, usernames: Sequence[str]) -> Mapping[str, UserSummary]:
        found = {}
        for params in _batches(usernames, _NAME_BATCHES, "n"):
            for row in await self._statements.all(_ACTIVE_USERS[len(params)], **params):
                found[row.username_canonical] = UserSummary(row.id, row.username, row.avatar)
        return found

    async def add(self, tweet_id: int, mentions: Sequence[int], hashtags: Sequence[str]) -> None:
        if not mentions and not hashtags:
            return
        await self._statements.execute(
            _ON_TWEET, tweet=tweet_id, tags=" ".join(hashtags), mentions=len(mentions)
        )
        if mentions:
            await self._statements.execute(
                _ADD_MENTIONS[len(mentions)],
                tweet=tweet_id,
                **{f"u{i}": user_id for i, user_id in enumerate(mentions)},
            )
        if hashtags:
            await self._statements.execute(
                _ADD_HASHTAGS[len(hashtags)],
                tweet=tweet_id,
                **{f"h{i}": tag for i, tag in enumerate(hashtags)},
            )

    async def replace(
        self, tweet_id: int, mentions: Sequence[int], hashtags: Sequence[str]
    ) -> None:
        await self._statements.execute(_REMOVE_MENTIONS, tweet=tweet_id)
        await self._statements.execute(_REMOVE_HASHTAGS, tweet=tweet_id)
        if mentions or hashtags:
            await self.add(tweet_id, mentions, hashtags)
        else:
            await self._statements.execute(_ON_TWEET, tweet=tweet_id, tags="", mentions=0)

    async def mentioned(self, tweet_id: int) -> list[int]:
        return [row.user_id for row in await self._statements.all(_MENTIONED, tweet=tweet_id)]


_MENTIONS_OF_TWEETS = {
    size: ReadQuery(
        select(tweet_mentions.c.tweet_id, users.c.id, users.c.username, users.c.avatar)
        .join(users, users.c.id == tweet_mentions.c.user_id)
        .where(tweet_mentions.c.tweet_id.in_(_placeholders("t", size)))
        .order_by(tweet_mentions.c.tweet_id, tweet_mentions.c.position)
    )
    for size in _TWEET_BATCHES
}


def hashtags_of(row: Any) -> tuple[str, ...]:
    """A tweet's hashtags, from its row (``tweets.hashtags``)."""
    return tuple(row.hashtags.split())


async def with_mentions(
    reads: Reads, views: list[TweetView], rows: Sequence[Any]
) -> list[TweetView]:
    """``views`` (of ``rows``, in the same order) with their mentions: one statement per page,
    none when no tweet on it mentions anyone (``tweets.mention_count``)."""
    ids = [row.id for row in rows if row.mention_count]
    found: dict[int, list[UserSummary]] = defaultdict(list)
    for params in _batches(ids, _TWEET_BATCHES, "t"):
        for row in await reads.all(_MENTIONS_OF_TWEETS[len(params)], **params):
            found[row.tweet_id].append(UserSummary(row.id, row.username, row.avatar))
    if not found:
        return views
    return [
        view._replace(mentions=tuple(found[view.id])) if view.id in found else view
        for view in views
    ]
