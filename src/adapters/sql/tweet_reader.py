from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    bindparam,
    cast,
    false,
    func,
    null,
    or_,
    select,
    true,
    union,
    union_all,
)

from adapters.sql.database import Reads
from adapters.sql.home_timelines import horizon, reaches_feed_of
from adapters.sql.keyset import newest_first, page_params
from adapters.sql.media import with_media
from adapters.sql.relationships import unblocked, unmuted
from adapters.sql.statements import ReadQuery
from adapters.sql.tables import (
    Id,
    UtcDateTime,
    bookmarks,
    follows,
    likes,
    reposts,
    timeline_entries,
    tweets,
    users,
)
from adapters.sql.tweet_entities import hashtags_of, with_mentions
from application.ports.clock import Clock
from application.ports.tweet_reader import KeyedTweets, KeyedUsers, TweetReader, TweetView
from application.ports.user_reader import UserSummary

# The author of the tweet replied to: its current username, by primary key.
_parent_authors = users.alias("parent_authors")


def _viewer_flag(table: Any) -> Any:
    """Whether the viewer's row (a like, a repost) of the tweet exists: one probe of the
    table's (user, tweet) unique index per row returned, however many the viewer has made.
    A scalar subquery, not EXISTS: PostgreSQL may run an EXISTS as a hashed subplan that
    first reads every row of the viewer's (its generic plan expects a tenth of the table's
    rows per page), which made a heavy liker's every page slower."""
    return func.coalesce(
        select(true())
        .where(table.c.user_id == bindparam("viewer"), table.c.tweet_id == tweets.c.id)
        .scalar_subquery(),
        false(),
    )


def _tweet_views(signed_in: bool) -> Select[Any]:
    """Tweets with author, ``liked_by_me``, ``reposted_by_me`` and ``bookmarked_by_me`` (NULL
    for an anonymous viewer), in one statement (no N+1). For a signed-in viewer, only tweets
    whose author and the viewer are not separated by a block: a list built on this leaves
    them out before its LIMIT."""
    flags = (
        [_viewer_flag(likes), _viewer_flag(reposts), _viewer_flag(bookmarks)]
        if signed_in
        else [null(), null(), null()]
    )
    statement = (
        select(
            tweets,
            users.c.username,
            users.c.avatar,
            flags[0].label("liked_by_me"),
            flags[1].label("reposted_by_me"),
            flags[2].label("bookmarked_by_me"),
            _parent_authors.c.username.label("in_reply_to_username"),
        )
        .join(users, users.c.id == tweets.c.author_id)
        .outerjoin(_parent_authors, _parent_authors.c.id == tweets.c.in_reply_to_user_id)
    )
    if signed_in:
        statement = statement.where(unblocked(bindparam("viewer", type_=Id), tweets.c.author_id))
    return statement


def _shown_in_feed(viewer: Any, author: Any, reposter: Any) -> list[Any]:
    """A feed entry of ``author``'s tweet (put there by ``reposter``'s repost, or NULL) that
    neither a block nor a mute in force at ``:now`` keeps out of the viewer's feed."""
    now = bindparam("now", type_=UtcDateTime)
    return [
        unblocked(viewer, author),
        unmuted(viewer, author, now),
        or_(reposter.is_(None), and_(unblocked(viewer, reposter), unmuted(viewer, reposter, now))),
    ]


_reposter = users.alias("reposter")
_NOT_REPOSTED = cast(null(), Id)


def _listed(page: Any, signed_in: bool) -> Select[Any]:
    """The tweets of a page of (id, position, reposted_by) rows, with the reposter's
    summary, newest position first."""
    return (
        _tweet_views(signed_in)
        .add_columns(
            page.c.position,
            page.c.reposted_by,
            _reposter.c.username.label("reposter_username"),
            _reposter.c.avatar.label("reposter_avatar"),
        )
        .join(page, page.c.id == tweets.c.id)
        .outerjoin(_reposter, _reposter.c.id == page.c.reposted_by)
        .order_by(page.c.position.desc())
        .limit(bindparam("limit"))
    )


def _authored(exclude_replies: bool) -> list[Any]:
    """The author's tweets (without replies if ``exclude_replies``)."""
    author = [tweets.c.author_id == bindparam("author", type_=Id)]
    return [*author, tweets.c.in_reply_to_id.is_(None)] if exclude_replies else author


def _by_author(signed_in: bool, paged: bool, exclude_replies: bool) -> Select[Any]:
    statement = _tweet_views(signed_in).where(*_authored(exclude_replies))
    return newest_first(statement, tweets.c.id, paged)


def _by_author_with_reposts(signed_in: bool, paged: bool, exclude_replies: bool) -> Select[Any]:
    # The newest of the author's tweets and the newest of the author's reposts (each one
    # range scan), merged by position.
    own = newest_first(
        select(
            tweets.c.id, tweets.c.id.label("position"), _NOT_REPOSTED.label("reposted_by")
        ).where(*_authored(exclude_replies)),
        tweets.c.id,
        paged,
    ).subquery()
    reposted_tweets = tweets.alias("reposted_tweets")
    reposted = select(
        reposts.c.tweet_id.label("id"),
        reposts.c.position,
        reposts.c.user_id.label("reposted_by"),
    ).where(reposts.c.user_id == bindparam("author", type_=Id))
    if signed_in:
        reposted = reposted.join(reposted_tweets, reposted_tweets.c.id == reposts.c.tweet_id).where(
            unblocked(bindparam("viewer", type_=Id), reposted_tweets.c.author_id)
        )
    newest_reposts = newest_first(reposted, reposts.c.position, paged).subquery()
    return _listed(union_all(select(own), select(newest_reposts)).subquery(), signed_in)


def _held_by_a_repost(viewer: Any) -> Any:
    """Whether a followee's repost put the tweet in the viewer's timeline: the tweet is
    shown there, where the repost put it, and nowhere else in the feed."""
    held = timeline_entries.alias("held")
    return (
        select(held.c.tweet_id)
        .where(
            held.c.tweet_id == tweets.c.id,
            held.c.user_id == viewer,
            held.c.reposted_by.is_not(None),
        )
        .exists()
    )


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
    entered = tweets.alias("entered")
    entries = newest_first(
        select(
            timeline_entries.c.tweet_id.label("id"),
            timeline_entries.c.position,
            timeline_entries.c.reposted_by,
        )
        .join(entered, entered.c.id == timeline_entries.c.tweet_id)
        .where(
            timeline_entries.c.user_id == viewer,
            timeline_entries.c.position > horizon(viewer),
            *_shown_in_feed(viewer, entered.c.author_id, timeline_entries.c.reposted_by),
        ),
        timeline_entries.c.position,
        paged,
    ).subquery()
    merging = (~tweets.c.fanned_out, tweets.c.id > horizon(viewer))
    tweet_itself = (tweets.c.id, tweets.c.id.label("position"), _NOT_REPOSTED.label("reposted_by"))
    followed = newest_first(
        select(*tweet_itself)
        .join(follows, follows.c.followee_id == tweets.c.author_id)
        .where(
            follows.c.follower_id == viewer,
            *merging,
            reaches_feed_of(viewer),
            ~_held_by_a_repost(viewer),
            unmuted(viewer, tweets.c.author_id, bindparam("now", type_=UtcDateTime)),
        ),
        tweets.c.id,
        paged,
    ).subquery()
    own = newest_first(
        select(*tweet_itself).where(tweets.c.author_id == viewer, *merging),
        tweets.c.id,
        paged,
    ).subquery()
    page = union(select(entries), select(followed), select(own)).subquery()
    return _listed(page, signed_in=True).add_columns(horizon(viewer).label("horizon"))


def _below_horizon(paged: bool) -> Select[Any]:
    # A page past what the reader's timeline keeps, computed from the tweets of the
    # accounts the reader follows and the reader's own: the feed before fan-out on write
    # (reposts are not: below the horizon a feed holds tweets only). A tweet a repost put
    # above the horizon shows there only.
    viewer = bindparam("viewer", type_=Id)
    authors = union_all(
        select(follows.c.followee_id).where(follows.c.follower_id == viewer), select(viewer)
    )
    statement = _tweet_views(signed_in=True).add_columns(tweets.c.id.label("position"))
    return newest_first(
        statement.where(
            tweets.c.author_id.in_(authors),
            tweets.c.id <= horizon(viewer),
            reaches_feed_of(viewer),
            ~_held_by_a_repost(viewer),
            unmuted(viewer, tweets.c.author_id, bindparam("now", type_=UtcDateTime)),
        ),
        tweets.c.id,
        paged,
    )


def _users_who(table: Any, signed_in: bool, paged: bool) -> Select[Any]:
    """Who made a row of ``table`` (likes, reposts) about the tweet, most recent first;
    for a signed-in viewer, without the accounts a block separates from the viewer."""
    statement = (
        select(table.c.id.label("key"), users.c.id, users.c.username, users.c.avatar)
        .join(users, users.c.id == table.c.user_id)
        .where(table.c.tweet_id == bindparam("tweet"))
    )
    if signed_in:
        statement = statement.where(unblocked(bindparam("viewer", type_=Id), users.c.id))
    return newest_first(statement, table.c.id, paged)


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
# The viewer's bookmarks (an alias: ``bookmarked_by_me`` probes the table itself).
_owned = bookmarks.alias("owned")
_BOOKMARKED = {
    paged: ReadQuery(
        newest_first(
            _tweet_views(signed_in=True)
            .add_columns(_owned.c.id.label("key"))
            .join(_owned, _owned.c.tweet_id == tweets.c.id)
            .where(_owned.c.user_id == bindparam("viewer", type_=Id)),
            _owned.c.id,
            paged,
        )
    )
    for paged in (False, True)
}
_LIKERS = {
    (signed_in, paged): ReadQuery(_users_who(likes, signed_in, paged))
    for signed_in in (False, True)
    for paged in (False, True)
}
_REPOSTERS = {
    (signed_in, paged): ReadQuery(_users_who(reposts, signed_in, paged))
    for signed_in in (False, True)
    for paged in (False, True)
}
_BY_AUTHOR_WITH_REPOSTS = {
    (signed_in, paged, exclude_replies): ReadQuery(
        _by_author_with_reposts(signed_in, paged, exclude_replies)
    )
    for signed_in in (False, True)
    for paged in (False, True)
    for exclude_replies in (False, True)
}


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
        repost_count=row.repost_count,
        reposted_by_me=None if row.reposted_by_me is None else bool(row.reposted_by_me),
        reposted_by=(
            None
            if getattr(row, "reposted_by", None) is None
            else UserSummary(row.reposted_by, row.reposter_username, row.reposter_avatar)
        ),
        in_reply_to_id=row.in_reply_to_id,
        in_reply_to_username=row.in_reply_to_username,
        reply_count=row.reply_count,
        quote_count=row.quote_count,
        quoted_tweet_id=row.quoted_tweet_id,
        bookmarked_by_me=None if row.bookmarked_by_me is None else bool(row.bookmarked_by_me),
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
    the tweet it quotes (with its own mentions and media, its ``quoted`` and ``reposted_by``
    None; None when it was deleted). The quoted tweets not on the page cost one statement,
    none when no tweet on the page quotes another; their mentions and media are read with
    the page's, in the same statements."""
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
        else view._replace(
            quoted=by_id[view.quoted_tweet_id]._replace(quoted=None, reposted_by=None)
        )
        for view in views[: len(rows)]
    ]


async def keyed_views(
    reads: Reads, keys: Sequence[int], rows: Sequence[Any], viewer_id: int | None
) -> KeyedTweets:
    """``complete_views`` keyed: ``keys`` in the order of ``rows``."""
    views = await complete_views(reads, rows, viewer_id)
    return list(zip(keys, views, strict=True))


_EXISTS = {
    signed_in: ReadQuery(
        select(tweets.c.id).where(
            tweets.c.id == bindparam("tweet"),
            *([unblocked(bindparam("viewer", type_=Id), tweets.c.author_id)] if signed_in else []),
        )
    )
    for signed_in in (False, True)
}


class SqlTweetReader(TweetReader):
    """Read models of tweets, as committed, outside any transaction (on a replica when the
    request allows it)."""

    def __init__(self, connections: Reads, clock: Clock) -> None:
        self._reads = connections
        self._clock = clock

    async def exists(self, tweet_id: int, viewer_id: int | None = None) -> bool:
        query = _EXISTS[viewer_id is not None]
        return await self._reads.first(query, tweet=tweet_id, **_viewer(viewer_id)) is not None

    async def tweet(self, tweet_id: int, viewer_id: int | None) -> TweetView | None:
        row = await self._reads.first(
            _ONE_TWEET[viewer_id is not None], tweet=tweet_id, **_viewer(viewer_id)
        )
        if row is None:
            return None
        return (await complete_views(self._reads, [row], viewer_id))[0]

    async def by_author(
        self,
        author_id: int,
        viewer_id: int | None,
        before: int | None,
        limit: int,
        *,
        include_reposts: bool = False,
        exclude_replies: bool = False,
    ) -> KeyedTweets:
        queries = _BY_AUTHOR_WITH_REPOSTS if include_reposts else _BY_AUTHOR
        rows = await self._reads.all(
            queries[viewer_id is not None, before is not None, exclude_replies],
            author=author_id,
            **_viewer(viewer_id),
            **page_params(before, limit),
        )
        keys = [getattr(row, "position", row.id) for row in rows]
        return await keyed_views(self._reads, keys, rows, viewer_id)

    async def home(self, reader_id: int, before: int | None, limit: int) -> KeyedTweets:
        now = self._clock.now()
        rows = await self._reads.all(
            HOME[before is not None], viewer=reader_id, now=now, **page_params(before, limit)
        )
        if len(rows) < limit and (not rows or rows[0].horizon > 0):
            rows += await self._reads.all(
                _BELOW_HORIZON[before is not None],
                viewer=reader_id,
                now=now,
                **page_params(before, limit - len(rows)),
            )
        return await keyed_views(self._reads, [row.position for row in rows], rows, reader_id)

    async def bookmarked(self, user_id: int, before: int | None, limit: int) -> KeyedTweets:
        rows = await self._reads.all(
            _BOOKMARKED[before is not None], viewer=user_id, **page_params(before, limit)
        )
        return await keyed_views(self._reads, [row.key for row in rows], rows, user_id)

    async def likers(
        self, tweet_id: int, before: int | None, limit: int, viewer_id: int | None = None
    ) -> KeyedUsers:
        return await self._users_who(_LIKERS, tweet_id, before, limit, viewer_id)

    async def reposters(
        self, tweet_id: int, before: int | None, limit: int, viewer_id: int | None = None
    ) -> KeyedUsers:
        return await self._users_who(_REPOSTERS, tweet_id, before, limit, viewer_id)

    async def _users_who(
        self,
        queries: dict[tuple[bool, bool], ReadQuery],
        tweet_id: int,
        before: int | None,
        limit: int,
        viewer_id: int | None,
    ) -> KeyedUsers:
        rows = await self._reads.all(
            queries[viewer_id is not None, before is not None],
            tweet=tweet_id,
            **_viewer(viewer_id),
            **page_params(before, limit),
        )
        return [(row.key, UserSummary(row.id, row.username, row.avatar)) for row in rows]


def _viewer(viewer_id: int | None) -> dict[str, int]:
    return {} if viewer_id is None else {"viewer": viewer_id}


async def views_by_id(reads: Reads, ids: Sequence[int], viewer_id: int) -> dict[int, TweetView]:
    """The tweets of ``ids`` that exist and the viewer may see, as ``complete_views`` makes
    them (batched: a statement per 100 ids, plus those of their quotes, mentions, media)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    rows = await _quoted_rows(reads, wanted, viewer_id)
    return {view.id: view for view in await complete_views(reads, rows, viewer_id)}
