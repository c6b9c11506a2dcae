from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import and_, bindparam, delete, func, or_, select, true, union_all, update
from sqlalchemy.exc import IntegrityError

from adapters.sql.dialect import insert_or_ignore, upsert_keeping_greatest, upsert_when
from adapters.sql.statements import ReadQuery, WriteStatement
from adapters.sql.tables import (
    Id,
    follows,
    reposts,
    timeline_entries,
    timeline_horizons,
    tweets,
    users,
)
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.home_timelines import FannedOut, HomeTimelines
from domain.tweets import fans_out

_ENTRY = ["user_id", "tweet_id", "position"]
# Past every follow id: the last batch of a fan-out goes to the end.
_END = 2**62
_entries = timeline_entries.c


def horizon(reader: Any) -> Any:
    """The reader's horizon: its timeline holds the entries above it (0: all of them)."""
    return func.coalesce(
        select(timeline_horizons.c.position)
        .where(timeline_horizons.c.user_id == reader)
        .scalar_subquery(),
        0,
    )


_reader_follows = follows.alias("reader_follows")


def reaches_feed_of(reader: Any) -> Any:
    """Whether the row of ``tweets`` enters the feed of ``reader``, who follows its author
    or is it (``domain.tweets.reaches_feed_of``): a reply only when the reader follows the
    author of the tweet replied to, or is that author, or wrote the reply. One probe of the
    follows' unique (follower, followee) index, for replies only."""
    return or_(
        tweets.c.in_reply_to_user_id.is_(None),
        tweets.c.in_reply_to_user_id == reader,
        tweets.c.author_id == reader,
        select(_reader_follows.c.id)
        .where(
            _reader_follows.c.follower_id == reader,
            _reader_follows.c.followee_id == tweets.c.in_reply_to_user_id,
        )
        .exists(),
    )


def _past_the_kept(reader: Any) -> Any:
    """The position of the reader's newest entry past the ``:kept`` newest (NULL when the
    timeline holds no more than those)."""
    return (
        select(_entries.position)
        .where(_entries.user_id == reader)
        .order_by(_entries.position.desc())
        .limit(1)
        .offset(bindparam("kept"))
        .scalar_subquery()
    )


_BATCH_END = (
    select(follows.c.id)
    .where(follows.c.followee_id == bindparam("author"), follows.c.id > bindparam("after"))
    .order_by(follows.c.id)
    .limit(1)
    .offset(bindparam("skip"))
    .scalar_subquery()
)
# Whether the tweet is fanned out already (NULL: deleted); where the batch ends: a batch of
# followers is the follows with ids in (after, batch end], the end being the ``limit``-th
# follow past ``after`` (on the (followee_id, id) index), NULL when fewer are left; and the
# author's follower count, which decides whether to fan out at all.
_BATCH = ReadQuery(
    select(
        select(tweets.c.fanned_out)
        .where(tweets.c.id == bindparam("tweet"))
        .scalar_subquery()
        .label("fanned_out"),
        _BATCH_END.label("end"),
        select(users.c.followers_count)
        .where(users.c.id == bindparam("author"))
        .scalar_subquery()
        .label("followers"),
    )
)
_IN_BATCH = (
    follows.c.followee_id == bindparam("author"),
    follows.c.id > bindparam("after"),
    follows.c.id <= bindparam("upto"),
)
# The batch's followers' entries, and with the first batch the author's own.
_FAN_OUT = WriteStatement(
    build=lambda dialect: insert_or_ignore(dialect, timeline_entries).from_select(
        _ENTRY,
        union_all(
            select(follows.c.follower_id, tweets.c.id, tweets.c.id)
            .join(tweets, tweets.c.id == bindparam("tweet", type_=Id))
            .where(*_IN_BATCH, reaches_feed_of(follows.c.follower_id)),
            select(tweets.c.author_id, tweets.c.id, tweets.c.id).where(
                tweets.c.id == bindparam("tweet", type_=Id), bindparam("after") == 0
            ),
        ),
    )
)
# The batch's followers whose timelines hold more than they keep.
_sampled = (
    select(
        follows.c.follower_id.label("reader"),
        _past_the_kept(follows.c.follower_id).label("cutoff"),
    )
    .where(*_IN_BATCH)
    .subquery()
)
_FULL = ReadQuery(select(_sampled.c.reader).where(_sampled.c.cutoff.is_not(None)))
_CUTOFF = ReadQuery(select(_past_the_kept(bindparam("reader", type_=Id)).label("cutoff")))
_TRIM = WriteStatement(
    delete(timeline_entries).where(
        _entries.user_id == bindparam("reader"), _entries.position <= bindparam("cutoff")
    )
)
_RAISE_HORIZON = WriteStatement(
    build=lambda dialect: upsert_keeping_greatest(dialect, timeline_horizons, "position")
)
# Feeds stop merging the tweet in when they are read.
_DONE = WriteStatement(
    update(tweets).where(tweets.c.id == bindparam("tweet")).values(fanned_out=true())
)
# Whether the reader follows the author now: a job about a follow acts on what is true when
# it runs, so jobs of a follow, unfollow and follow again done in any order end up right.
_FOLLOWING = (
    select(follows.c.id)
    .where(
        follows.c.follower_id == bindparam("reader"),
        follows.c.followee_id == bindparam("author"),
    )
    .exists()
)
_AUTHORED_PAST_HORIZON = (
    tweets.c.author_id == bindparam("author"),
    tweets.c.id > horizon(bindparam("reader", type_=Id)),
)
# The author's newest tweet past the ``:kept`` newest above the reader's horizon: a backfill
# raises the horizon to it, so it copies no more than a timeline keeps.
_BACKFILL_CUTOFF = ReadQuery(
    select(tweets.c.id.label("cutoff"))
    .where(*_AUTHORED_PAST_HORIZON)
    .order_by(tweets.c.id.desc())
    .limit(1)
    .offset(bindparam("kept"))
)
_ADD_AUTHOR = WriteStatement(
    build=lambda dialect: insert_or_ignore(dialect, timeline_entries).from_select(
        _ENTRY,
        select(bindparam("reader", type_=Id), tweets.c.id, tweets.c.id).where(
            *_AUTHORED_PAST_HORIZON, _FOLLOWING, reaches_feed_of(bindparam("reader", type_=Id))
        ),
    )
)
# The author's own tweets (not those another followee's repost brought) and the author's
# reposts.
_REMOVE_AUTHOR = WriteStatement(
    delete(timeline_entries).where(
        _entries.user_id == bindparam("reader"),
        or_(
            and_(
                _entries.reposted_by.is_(None),
                _entries.tweet_id.in_(
                    select(tweets.c.id).where(tweets.c.author_id == bindparam("author"))
                ),
            ),
            _entries.reposted_by == bindparam("author"),
        ),
        ~_FOLLOWING,
    )
)

# The repost (no row: undone) and where its batch ends (as ``_BATCH``), locked FOR SHARE on
# PostgreSQL until the batch commits: an undo waits for the batch in flight, so the removal
# job it queues finds every entry the batch wrote (SQLite runs one writing transaction at a
# time anyway). Only the reposter's own undo ever waits for it.
_REPOST_BATCH = ReadQuery(
    select(reposts.c.tweet_id, _BATCH_END.label("end"))
    .where(reposts.c.id == bindparam("repost"))
    .with_for_update(read=True)
)
_authors_follower = follows.alias("authors_follower")
# The batch's followers' entries at the repost's position, but for the tweet's author and
# those of the author's followers whose feeds the tweet itself reached (at its own position;
# a reply reaches only some). Where
# another repost's entry is there already, the earlier repost's stays: fan-outs that run in
# any order end up as if they had run in the order of the reposts.
_FAN_OUT_REPOST = WriteStatement(
    build=lambda dialect: upsert_when(
        dialect,
        timeline_entries,
        ["position", "reposted_by"],
        lambda new: and_(_entries.reposted_by.is_not(None), new.position < _entries.position),
    ).from_select(
        [*_ENTRY, "reposted_by"],
        select(follows.c.follower_id, reposts.c.tweet_id, reposts.c.position, reposts.c.user_id)
        .select_from(follows)
        .join(reposts, reposts.c.id == bindparam("repost", type_=Id))
        .join(tweets, tweets.c.id == reposts.c.tweet_id)
        .where(
            *_IN_BATCH,
            follows.c.follower_id != tweets.c.author_id,
            ~and_(
                select(_authors_follower.c.id)
                .where(
                    _authors_follower.c.follower_id == follows.c.follower_id,
                    _authors_follower.c.followee_id == tweets.c.author_id,
                )
                .exists(),
                reaches_feed_of(follows.c.follower_id),
            ),
        ),
    )
)
_REMOVE_REPOST = WriteStatement(
    delete(timeline_entries).where(
        _entries.tweet_id == bindparam("tweet"),
        _entries.reposted_by == bindparam("user"),
        _entries.position == bindparam("position"),
    )
)


class SqlHomeTimelines(HomeTimelines):
    """Fan-out on write, done by the database: each batch is one ``INSERT ... SELECT``.

    Nothing here updates a row another request needs: entries are per reader, and a
    repeated insert is ignored, so a job that runs twice changes nothing more.

    Each timeline keeps its newest ``kept`` entries. Finding out which timelines hold more
    costs a scan of ``kept`` index entries each, so only the fan-out of one tweet in
    ``trim_every`` (by id) looks at its readers' timelines: a timeline grows past ``kept``
    by some ``trim_every`` entries before a trim (a job of its own) takes it back. A trim
    deletes the entries past the newest ``kept`` and raises the reader's horizon to the
    newest of them; below its horizon a feed is computed when it is read.
    """

    kept: ClassVar[int] = 800
    trim_every: ClassVar[int] = 32

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._statements = uow

    async def fan_out(
        self, tweet_id: int, author_id: int, after: int, limit: int, max_followers: int
    ) -> FannedOut:
        state = await self._statements.first(
            _BATCH, tweet=tweet_id, author=author_id, after=after, skip=limit - 1
        )
        if state is None or state.fanned_out is None or state.fanned_out:
            return FannedOut(None)  # deleted, or done already
        if after == 0 and not fans_out(state.followers or 0, max_followers):
            return FannedOut(None)  # merged into feeds when they are read, for good
        batch = {"author": author_id, "after": after, "upto": state.end or _END}
        try:
            await self._statements.execute(_FAN_OUT, tweet=tweet_id, **batch)
        except IntegrityError:
            return FannedOut(None)  # the tweet was deleted meanwhile: its entries go with it
        full: list[int] = []
        if tweet_id % self.trim_every == 0:
            full = [
                row.reader for row in await self._statements.all(_FULL, kept=self.kept, **batch)
            ]
            if after == 0 and await self._cutoff(author_id) is not None:
                full.append(author_id)
        if state.end is None:
            await self._statements.execute(_DONE, tweet=tweet_id)
        return FannedOut(None if state.end is None else int(state.end), tuple(full))

    async def fan_out_repost(
        self, repost_id: int, reposter_id: int, after: int, limit: int
    ) -> FannedOut:
        state = await self._statements.first(
            _REPOST_BATCH, repost=repost_id, author=reposter_id, after=after, skip=limit - 1
        )
        if state is None:
            return FannedOut(None)  # undone (or its tweet deleted)
        batch = {"author": reposter_id, "after": after, "upto": state.end or _END}
        try:
            await self._statements.execute(_FAN_OUT_REPOST, repost=repost_id, **batch)
        except IntegrityError:
            return FannedOut(None)  # the tweet was deleted meanwhile: its entries go with it
        full: tuple[int, ...] = ()
        if repost_id % self.trim_every == 0:
            rows = await self._statements.all(_FULL, kept=self.kept, **batch)
            full = tuple(row.reader for row in rows)
        return FannedOut(None if state.end is None else int(state.end), full)

    async def remove_repost(self, reposter_id: int, tweet_id: int, position: int) -> None:
        await self._statements.execute(
            _REMOVE_REPOST, user=reposter_id, tweet=tweet_id, position=position
        )

    async def add_author(self, reader_id: int, author_id: int) -> None:
        older = await self._statements.first(
            _BACKFILL_CUTOFF, reader=reader_id, author=author_id, kept=self.kept
        )
        if older is not None:
            await self._raise_horizon(reader_id, older.cutoff)
        await self._statements.execute(_ADD_AUTHOR, reader=reader_id, author=author_id)
        await self.trim(reader_id)

    async def remove_author(self, reader_id: int, author_id: int) -> None:
        await self._statements.execute(_REMOVE_AUTHOR, reader=reader_id, author=author_id)

    async def _cutoff(self, reader_id: int) -> int | None:
        past = await self._statements.first(_CUTOFF, reader=reader_id, kept=self.kept)
        return None if past is None else past.cutoff

    async def trim(self, reader_id: int) -> None:
        if (cutoff := await self._cutoff(reader_id)) is not None:
            await self._statements.execute(_TRIM, reader=reader_id, cutoff=cutoff)
            await self._raise_horizon(reader_id, cutoff)

    async def _raise_horizon(self, reader_id: int, position: int) -> None:
        await self._statements.execute(_RAISE_HORIZON, user_id=reader_id, position=position)
