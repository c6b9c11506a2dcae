from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, false, func, null, select, true, union, union_all

from adapters.sql.database import Reads
from adapters.sql.home_timelines import horizon
from adapters.sql.keyset import newest_first, page_params
from adapters.sql.media import with_media
from adapters.sql.statements import ReadQuery
from adapters.sql.tables import Id, follows, likes, timeline_entries, tweets, users
from adapters.sql.tweet_entities import hashtags_of, with_mentions
from application.ports.tweet_reader import KeyedTweets, KeyedUsers, TweetReader, TweetView
from application.ports.user_reader import UserSummary


def _tweet_views(signed_in: bool) -> Select[Any]:
    """Tweets with author and ``liked_by_me``, in one statement (no N+1).

    ``liked_by_me`` is one probe of the likes' (user, tweet) unique index per row returned,
    however many tweets the viewer has liked; NULL for an anonymous viewer. It is a scalar
    subquery, not EXISTS: PostgreSQL may run an EXISTS as a hashed subplan that first reads
    every like of the viewer's (its generic plan expects a tenth of the table's rows per
    page), which made a heavy liker's every page slower.
    """
    liked_by_me: Any = (
        func.coalesce(
            select(true())
            .where(likes.c.user_id == bindparam("viewer"), likes.c.tweet_id == tweets.c.id)
            .scalar_subquery(),
            false(),
        )
        if signed_in
        else null()
    )
    return select(tweets, users.c.username, users.c.avatar, liked_by_me.label("liked_by_me")).join(
        users, users.c.id == tweets.c.author_id
    )


def _by_author(signed_in: bool, paged: bool) -> Select[Any]:
    statement = _tweet_views(signed_in).where(tweets.c.author_id == bindparam("author"))
    return newest_first(statement, tweets.c.id, paged)


def _home(paged: bool) -> Select[Any]:
    # The page is one backward range scan of the reader's timeline_entries above the
    # reader's horizon, merged with the newest tweets not fanned out (yet: the workers are
    # on it; or ever: authors with more than ``fanout_max_followers`` followers) of the
    # reader and of the accounts the reader follows: one probe of a partial index, holding
    # only those tweets, per account. A tweet may be in both while its fan-out runs: UNION
    # keeps it once. Each row then joins its tweet, author and like by primary key: cost grows with
    # the page and the accounts followed. Each row also carries the horizon, below which
    # the feed is computed (``_BELOW_HORIZON``).
    viewer = bindparam("viewer", type_=Id)
    entries = newest_first(
        select(timeline_entries.c.tweet_id.label("id"), timeline_entries.c.position).where(
            timeline_entries.c.user_id == viewer, timeline_entries.c.position > horizon(viewer)
        ),
        timeline_entries.c.position,
        paged,
    ).subquery()
    merging = (~tweets.c.fanned_out, tweets.c.id > horizon(viewer))
    followed = newest_first(
        select(tweets.c.id, tweets.c.id.label("position"))
        .join(follows, follows.c.followee_id == tweets.c.author_id)
        .where(follows.c.follower_id == viewer, *merging),
        tweets.c.id,
        paged,
    ).subquery()
    own = newest_first(
        select(tweets.c.id, tweets.c.id.label("position")).where(
            tweets.c.author_id == viewer, *merging
        ),
        tweets.c.id,
        paged,
    ).subquery()
    page = union(select(entries), select(followed), select(own)).subquery()
    return (
        _tweet_views(signed_in=True)
        .add_columns(page.c.position, horizon(viewer).label("horizon"))
        .join(page, page.c.id == tweets.c.id)
        .order_by(page.c.position.desc())
        .limit(bindparam("limit"))
    )


def _below_horizon(paged: bool) -> Select[Any]:
    # A page past what the reader's timeline keeps, computed from the tweets of the
    # accounts the reader follows and the reader's own: the feed before fan-out on write.
    viewer = bindparam("viewer", type_=Id)
    authors = union_all(
        select(follows.c.followee_id).where(follows.c.follower_id == viewer), select(viewer)
    )
    statement = _tweet_views(signed_in=True).add_columns(tweets.c.id.label("position"))
    return newest_first(
        statement.where(tweets.c.author_id.in_(authors), tweets.c.id <= horizon(viewer)),
        tweets.c.id,
        paged,
    )


def _likers(paged: bool) -> Select[Any]:
    statement = (
        select(likes.c.id.label("key"), users.c.id, users.c.username, users.c.avatar)
        .join(users, users.c.id == likes.c.user_id)
        .where(likes.c.tweet_id == bindparam("tweet"))
    )
    return newest_first(statement, likes.c.id, paged)


_ONE_TWEET = {
    signed_in: ReadQuery(_tweet_views(signed_in).where(tweets.c.id == bindparam("tweet")))
    for signed_in in (False, True)
}
_BY_AUTHOR = {
    (signed_in, paged): ReadQuery(_by_author(signed_in, paged))
    for signed_in in (False, True)
    for paged in (False, True)
}
HOME = {paged: ReadQuery(_home(paged)) for paged in (False, True)}
_BELOW_HORIZON = {paged: ReadQuery(_below_horizon(paged)) for paged in (False, True)}
_LIKERS = {paged: ReadQuery(_likers(paged)) for paged in (False, True)}


def _view(row: Any) -> TweetView:
    return TweetView(
        row.id,
        row.text,
        row.image,
        UserSummary(row.author_id, row.username, row.avatar),
        row.created_at,
        row.edited_at,
        row.like_count,
        None if row.liked_by_me is None else bool(row.liked_by_me),
        hashtags=hashtags_of(row),
        quote_count=row.quote_count,
        quoted_tweet_id=row.quoted_tweet_id,
    )


# The tweets that a page's tweets quote, up to this many per statement (a page is at most
# 101 rows), the rest of the placeholders NULL, as for media and mentions.
_QUOTED_BATCHES = (4, 20, 100)
_QUOTED = {
    (signed_in, size): ReadQuery(
        _tweet_views(signed_in).where(
            tweets.c.id.in_([bindparam(f"t{i}", type_=Id) for i in range(size)])
        )
    )
    for signed_in in (False, True)
    for size in _QUOTED_BATCHES
}


async def _quoted_rows(reads: Reads, ids: list[int], viewer_id: int | None) -> list[Any]:
    rows = []
    largest = _QUOTED_BATCHES[-1]
    for start in range(0, len(ids), largest):
        batch = ids[start : start + largest]
        size = next(size for size in _QUOTED_BATCHES if size >= len(batch))
        params = {f"t{i}": batch[i] if i < len(batch) else None for i in range(size)}
        rows += await reads.all(
            _QUOTED[viewer_id is not None, size], **params, **_viewer(viewer_id)
        )
    return rows


async def complete_views(
    reads: Reads, rows: Sequence[Any], viewer_id: int | None
) -> list[TweetView]:
    """The views of a page's tweet rows (``_tweet_views``), each with its mentions, media and
    the tweet it quotes (with its own mentions and media, its ``quoted`` None; None when it
    was deleted). The quoted tweets not on the page cost one statement, none when no tweet
    on the page quotes another; their mentions and media are read with the page's, in the
    same statements."""
    on_page = {row.id for row in rows}
    wanted = list(
        dict.fromkeys(
            row.quoted_tweet_id
            for row in rows
            if row.quoted_tweet_id is not None and row.quoted_tweet_id not in on_page
        )
    )
    quoted_rows = await _quoted_rows(reads, wanted, viewer_id) if wanted else []
    every_row = [*rows, *quoted_rows]
    views = await with_mentions(reads, [_view(row) for row in every_row], every_row)
    views = await with_media(reads, views)
    by_id = {view.id: view for view in views}
    return [
        view
        if view.quoted_tweet_id is None or view.quoted_tweet_id not in by_id
        else view._replace(quoted=by_id[view.quoted_tweet_id]._replace(quoted=None))
        for view in views[: len(rows)]
    ]


async def keyed_views(
    reads: Reads, keys: Sequence[int], rows: Sequence[Any], viewer_id: int | None
) -> KeyedTweets:
    """``complete_views`` keyed: ``keys`` in the order of ``rows``."""
    views = await complete_views(reads, rows, viewer_id)
    return list(zip(keys, views, strict=True))


_EXISTS = ReadQuery(select(tweets.c.id).where(tweets.c.id == bindparam("tweet")))


class SqlTweetReader(TweetReader):
    """Read models of tweets, as committed, outside any transaction (on a replica when the
    request allows it)."""

    def __init__(self, connections: Reads) -> None:
        self._reads = connections

    async def exists(self, tweet_id: int) -> bool:
        return await self._reads.first(_EXISTS, tweet=tweet_id) is not None

    async def tweet(self, tweet_id: int, viewer_id: int | None) -> TweetView | None:
        row = await self._reads.first(
            _ONE_TWEET[viewer_id is not None], tweet=tweet_id, **_viewer(viewer_id)
        )
        if row is None:
            return None
        return (await complete_views(self._reads, [row], viewer_id))[0]

    async def by_author(
        self, author_id: int, viewer_id: int | None, before: int | None, limit: int
    ) -> KeyedTweets:
        rows = await self._reads.all(
            _BY_AUTHOR[viewer_id is not None, before is not None],
            author=author_id,
            **_viewer(viewer_id),
            **page_params(before, limit),
        )
        return await keyed_views(self._reads, [row.id for row in rows], rows, viewer_id)

    async def home(self, reader_id: int, before: int | None, limit: int) -> KeyedTweets:
        rows = await self._reads.all(
            HOME[before is not None], viewer=reader_id, **page_params(before, limit)
        )
        if len(rows) < limit and (not rows or rows[0].horizon > 0):
            rows += await self._reads.all(
                _BELOW_HORIZON[before is not None],
                viewer=reader_id,
                **page_params(before, limit - len(rows)),
            )
        return await keyed_views(self._reads, [row.position for row in rows], rows, reader_id)

    async def likers(self, tweet_id: int, before: int | None, limit: int) -> KeyedUsers:
        rows = await self._reads.all(
            _LIKERS[before is not None], tweet=tweet_id, **page_params(before, limit)
        )
        return [(row.key, UserSummary(row.id, row.username, row.avatar)) for row in rows]


def _viewer(viewer_id: int | None) -> dict[str, int]:
    return {} if viewer_id is None else {"viewer": viewer_id}
