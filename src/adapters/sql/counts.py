"""Counts without hot rows: a write inserts a change row beside its fact (``record``); the
workers fold the changes into the counted rows (``SqlCounts.fold``), many writers' worth in
one UPDATE per counted row.

Why: when every like updated ``tweets.like_count`` in the request, 64 users liking one tweet
queued on that row's lock, one commit at a time; an author's posts queued on their
``users`` row the same way. A change row is the writer's own; nothing waits for it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Column, Select, Table, bindparam, delete, func, insert, select, update

from adapters.sql.statements import ReadQuery, WriteStatement
from adapters.sql.tables import count_changes, follows, likes, reposts, tweets, users
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.counts import CountDrift, Counts

LIKES = "tweets.like_count"
FOLLOWERS = "users.followers_count"
FOLLOWING = "users.following_count"
TWEETS = "users.tweets_count"
REPOSTS = "tweets.repost_count"
REPLIES = "tweets.reply_count"
QUOTES = "tweets.quote_count"
# The tweets that quote a tweet, apart from the counted tweets themselves.
_quoting = tweets.alias("quoting")


def _pending(counter: str, counted_id: Column[Any]) -> Any:
    """The changes to a counted row's count not folded yet."""
    return func.coalesce(
        select(func.sum(count_changes.c.delta))
        .where(count_changes.c.counter == counter, count_changes.c.subject_id == counted_id)
        .scalar_subquery(),
        0,
    )


def _counted(
    counter: str, table: Table, count: str, rows: Column[Any]
) -> tuple[Column[Any], Select[Any]]:
    """A counter's column, and for each counted row: its count, the changes not folded yet
    and the number of its rows (``rows`` is the column of the rows that refers to it)."""
    actual = select(func.count()).where(rows == table.c.id).scalar_subquery()
    return table.c[count], select(
        table.c.id.label("id"),
        table.c[count].label("stored"),
        _pending(counter, table.c.id).label("pending"),
        actual.label("actual"),
    )


_COUNTERS = {
    LIKES: _counted(LIKES, tweets, "like_count", likes.c.tweet_id),
    FOLLOWERS: _counted(FOLLOWERS, users, "followers_count", follows.c.followee_id),
    FOLLOWING: _counted(FOLLOWING, users, "following_count", follows.c.follower_id),
    TWEETS: _counted(TWEETS, users, "tweets_count", tweets.c.author_id),
    REPOSTS: _counted(REPOSTS, tweets, "repost_count", reposts.c.tweet_id),
    REPLIES: _counted(REPLIES, tweets, "reply_count", tweets.alias("replies").c.in_reply_to_id),
    QUOTES: _counted(QUOTES, tweets, "quote_count", _quoting.c.quoted_tweet_id),
}


def _add_to(column: Column[Any]) -> WriteStatement:
    table = column.table
    return WriteStatement(
        update(table)
        .where(table.c.id == bindparam("subject"))
        .values({column.name: column + bindparam("change")})
    )


def _set(column: Column[Any]) -> WriteStatement:
    table = column.table
    return WriteStatement(
        update(table)
        .where(table.c.id == bindparam("subject"))
        .values({column.name: bindparam("value")})
    )


def _drifted(query: Select[Any]) -> ReadQuery:
    counted = query.subquery()
    return ReadQuery(
        select(counted).where(counted.c.stored + counted.c.pending != counted.c.actual)
    )


_ADD = {name: _add_to(column) for name, (column, _) in _COUNTERS.items()}
_SET = {name: _set(column) for name, (column, _) in _COUNTERS.items()}
_DRIFTED = {name: _drifted(query) for name, (_, query) in _COUNTERS.items()}

_RECORD = WriteStatement(insert(count_changes))


def _take(dialect: str) -> Any:
    oldest = select(count_changes.c.id).order_by(count_changes.c.id).limit(bindparam("n"))
    if dialect == "postgresql":
        # Two folding workers take different changes instead of waiting for each other.
        oldest = oldest.with_for_update(skip_locked=True)
    return (
        delete(count_changes)
        .where(count_changes.c.id.in_(oldest.scalar_subquery()))
        .returning(count_changes.c.counter, count_changes.c.subject_id, count_changes.c.delta)
    )


_TAKE = WriteStatement(build=_take)
_CURRENT = {
    name: ReadQuery(
        select((column + _pending(name, column.table.c.id)).label("count")).where(
            column.table.c.id == bindparam("subject")
        )
    )
    for name, (column, _) in _COUNTERS.items()
}


async def record(uow: SqlUnitOfWork, counter: str, subject_id: int, delta: int) -> None:
    """Record a change to a count, in the writer's transaction."""
    await uow.execute(_RECORD, counter=counter, subject_id=subject_id, delta=delta)


async def current(uow: SqlUnitOfWork, counter: str, subject_id: int) -> int | None:
    """The count as the writer's transaction sees it: folded, plus the changes not folded
    yet (its own among them); None if the counted row does not exist."""
    row = await uow.first(_CURRENT[counter], subject=subject_id)
    return None if row is None else int(row.count)


class SqlCounts(Counts):
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._statements = uow

    async def fold(self, limit: int) -> int:
        taken = await self._statements.returned(_TAKE, n=limit)
        sums: Counter[tuple[str, int]] = Counter()
        for change in taken:
            sums[change.counter, change.subject_id] += change.delta
        # In a fixed order, so two folders cannot deadlock on the same counted rows.
        for (counter, subject), change in sorted(sums.items()):
            if change:
                await self._statements.execute(_ADD[counter], subject=subject, change=change)
        return len(taken)

    async def repair(self) -> list[CountDrift]:
        # Changes recorded by writes still in flight are not folded yet: a count is right
        # when it plus its pending changes equals its rows, and is set so that it will be.
        drifts = []
        for counter, drifted in _DRIFTED.items():
            for row in await self._statements.all(drifted):
                drifts.append(CountDrift(counter, row.id, row.stored + row.pending, row.actual))
                await self._statements.execute(
                    _SET[counter], subject=row.id, value=row.actual - row.pending
                )
        return drifts
