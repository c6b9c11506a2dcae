from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, false, func, null, select, true, union, union_all

from adapters.sql.database import Reads
from adapters.sql.home_timelines import horizon, reaches_feed_of
from adapters.sql.keyset import newest_first, page_params
from adapters.sql.media import keyed_with_media, with_media
from adapters.sql.statements import ReadQuery
from adapters.sql.tables import Id, follows, likes, timeline_entries, tweets, users
from adapters.sql.tweet_entities import hashtags_of, keyed_with_mentions, with_mentions
from application.ports.tweet_reader import KeyedTweets, KeyedUsers, TweetReader, TweetView
from application.ports.user_reader import UserSummary

# The author of the tweet replied to: its current username, by primary key.
_parent_authors = users.alias("parent_authors")


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
    return (
        select(
            tweets,
            users.c.username,
            users.c.avatar,
            liked_by_me.label("liked_by_me"),
            _parent_authors.c.username.label("in_reply_to_username"),
        )
        .join(users, users.c.id == tweets.c.author_id)
        .outerjoin(_parent_authors, _parent_authors.c.id == tweets.c.in_reply_to_user_id)
    )


def _by_author(signed_in: bool, paged: bool, exclude_replies: bool) -> Select[Any]:
    statement = _tweet_views(signed_in).where(tweets.c.author_id == bindparam("author"))
    if exclude_replies:
        statement = statement.where(tweets.c.in_reply_to_id.is_(None))
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
        .where(follows.c.follower_id == viewer, *merging, reaches_feed_of(viewer)),
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
        statement.where(
            tweets.c.author_id.in_(authors), tweets.c.id <= horizon(viewer), reaches_feed_of(viewer)
        ),
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
    (signed_in, paged, exclude_replies): ReadQuery(_by_author(signed_in, paged, exclude_replies))
    for signed_in in (False, True)
    for paged in (False, True)
    for exclude_replies in (False, True)
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
        in_reply_to_id=row.in_reply_to_id,
        in_reply_to_username=row.in_reply_to_username,
        reply_count=row.reply_count,
    )


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
        views = await with_mentions(self._reads, [_view(row)], [row])
        return (await with_media(self._reads, views))[0]

    async def by_author(
        self,
        author_id: int,
        viewer_id: int | None,
        before: int | None,
        limit: int,
        *,
        exclude_replies: bool = False,
    ) -> KeyedTweets:
        rows = await self._reads.all(
            _BY_AUTHOR[viewer_id is not None, before is not None, exclude_replies],
            author=author_id,
            **_viewer(viewer_id),
            **page_params(before, limit),
        )
        keyed = await keyed_with_mentions(self._reads, [(row.id, _view(row)) for row in rows], rows)
        return await keyed_with_media(self._reads, keyed)

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
        keyed = [(row.position, _view(row)) for row in rows]
        return await keyed_with_media(
            self._reads, await keyed_with_mentions(self._reads, keyed, rows)
        )

    async def likers(self, tweet_id: int, before: int | None, limit: int) -> KeyedUsers:
        rows = await self._reads.all(
            _LIKERS[before is not None], tweet=tweet_id, **page_params(before, limit)
        )
        return [(row.key, UserSummary(row.id, row.username, row.avatar)) for row in rows]


def _viewer(viewer_id: int | None) -> dict[str, int]:
    return {} if viewer_id is None else {"viewer": viewer_id}
