from __future__ import annotations

from typing import Any

from sqlalchemy import Row, Select, exists, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.tables import likes, timeline_entries, tweets, users
from application.ports.tweet_reader import KeyedTweets, KeyedUsers, TweetReader, TweetView
from application.ports.user_reader import UserSummary


def _tweet_views(viewer_id: int | None) -> Select[Any]:
    """Tweets with author and ``liked_by_me``, in one statement (no N+1).

    ``liked_by_me`` is a correlated EXISTS: one primary-key probe per row returned, however
    many tweets the viewer has liked.
    """
    liked_by_me: Any = (
        exists().where(likes.c.user_id == viewer_id, likes.c.tweet_id == tweets.c.id)
        if viewer_id is not None
        else literal(None)
    )
    return select(tweets, users.c.username, users.c.avatar, liked_by_me.label("liked_by_me")).join(
        users, users.c.id == tweets.c.author_id
    )


def _view(row: Row[Any]) -> TweetView:
    return TweetView(
        id=row.id,
        text=row.text,
        image=row.image,
        author=UserSummary(id=row.author_id, username=row.username, avatar=row.avatar),
        created_at=row.created_at,
        edited_at=row.edited_at,
        like_count=row.like_count,
        liked_by_me=None if row.liked_by_me is None else bool(row.liked_by_me),
    )


class SqlTweetReader(TweetReader):
    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def tweet(self, tweet_id: int, viewer_id: int | None) -> TweetView | None:
        row = (
            await self._db.execute(_tweet_views(viewer_id).where(tweets.c.id == tweet_id))
        ).first()
        return None if row is None else _view(row)

    async def by_author(
        self, author_id: int, viewer_id: int | None, before: int | None, limit: int
    ) -> KeyedTweets:
        statement = _tweet_views(viewer_id).where(tweets.c.author_id == author_id)
        if before is not None:
            statement = statement.where(tweets.c.id < before)
        rows = await self._db.execute(statement.order_by(tweets.c.id.desc()).limit(limit))
        return [(row.id, _view(row)) for row in rows]

    async def home(self, reader_id: int, before: int | None, limit: int) -> KeyedTweets:
        # The page is one backward range scan of the reader's timeline_entries; each entry
        # then joins its tweet, author and like by primary key: cost grows with the page only.
        entries = select(timeline_entries.c.tweet_id).where(timeline_entries.c.user_id == reader_id)
        if before is not None:
            entries = entries.where(timeline_entries.c.tweet_id < before)
        page = entries.order_by(timeline_entries.c.tweet_id.desc()).limit(limit).subquery()
        statement = (
            _tweet_views(reader_id)
            .join(page, page.c.tweet_id == tweets.c.id)
            .order_by(tweets.c.id.desc())
        )
        rows = await self._db.execute(statement)
        return [(row.id, _view(row)) for row in rows]

    async def likers(self, tweet_id: int, before: int | None, limit: int) -> KeyedUsers:
        statement = (
            select(likes.c.id.label("key"), users.c.id, users.c.username, users.c.avatar)
            .join(users, users.c.id == likes.c.user_id)
            .where(likes.c.tweet_id == tweet_id)
        )
        if before is not None:
            statement = statement.where(likes.c.id < before)
        rows = await self._db.execute(statement.order_by(likes.c.id.desc()).limit(limit))
        return [(row.key, UserSummary(row.id, row.username, row.avatar)) for row in rows]
