"""Search: ``tweet_search`` (SQLite FTS5 / PostgreSQL tsvector + GIN) and user prefixes.

The index holds ``domain.search`` words verbatim, space-separated (migration 0014 says why
both databases then match alike). A query's words go in as one space-separated string too:
on SQLite it is an FTS5 query of barewords (every word is letters, digits and non-ASCII
characters, lower case, so none is an operator: implicit AND); on PostgreSQL it becomes the
tsquery ``'w1' & 'w2'`` (a word holds no quote or backslash).

A page of tweets with words: FTS5 yields rowids (tweet ids) in descending order itself and
stops at the page's end; on PostgreSQL see ``_words_only_postgresql``. No row of ``tweets``
is read beyond the page for words alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    MetaData,
    Select,
    Table,
    Text,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from adapters.sql.database import Database, Reads
from adapters.sql.keyset import newest_first, page_params
from adapters.sql.relationships import unblocked, unmuted
from adapters.sql.statements import ReadQuery, WriteStatement
from adapters.sql.tables import Id, UtcDateTime, tweet_hashtags, tweet_search, tweets, users
from adapters.sql.tweet_reader import _tweet_views, keyed_views
from adapters.sql.unit_of_work import SqlUnitOfWork
from adapters.sql.user_reader import profile_of, profiles, viewer_params
from application.ports.clock import Clock
from application.ports.search_index import SearchIndex
from application.ports.tweet_reader import KeyedTweets
from application.ports.tweet_search import TweetSearch
from application.ports.user_reader import ProfileView
from application.ports.user_search import UserSearch


class _SearchKey(ColumnElement[int]):
    """``tweet_search``'s tweet id: the FTS5 table's rowid on SQLite (which it walks in
    either order), ``tweet_id`` on PostgreSQL."""

    type = Id
    inherit_cache = True


@compiles(_SearchKey)
def _key(element: _SearchKey, compiler: SQLCompiler, **kw: Any) -> str:
    return "tweet_search.tweet_id"


@compiles(_SearchKey, "sqlite")
def _key_sqlite(element: _SearchKey, compiler: SQLCompiler, **kw: Any) -> str:
    return "tweet_search.rowid"


class _SearchOrder(ColumnElement[int]):
    """The tweet id that pages of words with other terms are ordered and cut by. On
    PostgreSQL an expression no index has, so that every plan reads the words' matches from
    the GIN index (a bitmap), whatever the words (see ``_words_only_postgresql``)."""

    type = Id
    inherit_cache = True


@compiles(_SearchOrder)
def _order(element: _SearchOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return "(tweet_search.tweet_id + 0)"


@compiles(_SearchOrder, "sqlite")
def _order_sqlite(element: _SearchOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return "tweet_search.rowid"


def _words_tsquery(compiler: SQLCompiler, words: Any, **kw: Any) -> str:
    """PostgreSQL: the tsquery ``'w1' & 'w2'`` of the space-separated ``words``."""
    text = compiler.process(words, **kw)
    return "CAST('''' || replace(" + text + ", ' ', ''' & ''') || '''' AS tsquery)"


class _Matches(ColumnElement[bool]):
    """``tweet_search`` holds every word of ``:words`` (space-separated). With ``upto`` (an
    SQL expression of a tweet id), on PostgreSQL, only the rows of the ``RECENT_BUCKETS``
    id buckets up to that id's can match (see ``_words_only_postgresql``)."""

    inherit_cache = True

    def __init__(self, upto: Any = None) -> None:
        self.words = bindparam("words", type_=Text())
        self.upto = upto


@compiles(_Matches)
def _matches(element: _Matches, compiler: SQLCompiler, **kw: Any) -> str:
    query = _words_tsquery(compiler, element.words, **kw)
    if element.upto is not None:
        bucket = f"(({compiler.process(element.upto, **kw)}) >> {BUCKET_BITS})"
        buckets = " || ".join(
            f"CAST('''{BUCKET_MARK}' || ({bucket} - {n}) || '''' AS tsquery)"
            for n in range(RECENT_BUCKETS)
        )
        query = f"({query} && ({buckets}))"
    return f"tweet_search.document @@ {query}"


@compiles(_Matches, "sqlite")
def _matches_sqlite(element: _Matches, compiler: SQLCompiler, **kw: Any) -> str:
    return f"tweet_search MATCH {compiler.process(element.words, **kw)}"


# On PostgreSQL each document also holds its tweet's id bucket, the lexeme
# "!<tweet_id >> BUCKET_BITS>" (no word holds a "!"). A page of words alone looks first among
# the matches of the newest RECENT_BUCKETS buckets up to the cursor: at least 2 x 8192
# tweets, where a word in 1% of tweets has some 160 matches, more than a page (100 at most).
BUCKET_MARK = "!"
BUCKET_BITS = 13
RECENT_BUCKETS = 3


def _bucket_lexeme(tweet_id: Any) -> Any:
    bucket = tweet_id.op(">>")(literal_column(str(BUCKET_BITS)))
    return literal_column(f"'{BUCKET_MARK}'").op("||")(bucket)


def _words_only_postgresql(signed_in: bool, paged: bool) -> Select[Any]:
    """One statement, two ways to the page, whatever the words (a prepared statement's
    generic plan cannot tell a rare word from a common one):

    - ``early``: the matches in the newest id buckets up to the cursor. The GIN index
      intersects the words' entries with the buckets', and only those rows are read: a
      common word's page is there, at a cost that does not grow with its matches.
    - Only if they are fewer than ``:limit``, ``late``: the matches below those buckets,
      from the GIN index as a bitmap, their ids sorted (top-N): a rarer word has few.

    A plan that is a backward scan of the primary key filtered by the words reads the
    whole table for a rare word (75 ms on 200k tweets); the bitmap alone reads every match
    of a common word (5 ms at p99 for one in 1% of 500k): neither is left to the planner.
    """
    key = tweet_search.c.tweet_id
    unindexed = key + literal_column("0")  # so the only way to the matches is the GIN index
    upto: Any = (
        bindparam("before", type_=Id) - literal_column("1")
        if paged
        else select(func.max(key)).scalar_subquery()
    )
    shown = [_shown(key)] if signed_in else []
    early = (
        select(key.label("id"))
        .where(_Matches(upto), unindexed <= upto, *shown)
        .order_by(unindexed.desc())
        .limit(bindparam("limit"))
        .cte("early")
    )
    found_early = select(func.count()).select_from(early).scalar_subquery()
    bits: Any = literal_column(str(BUCKET_BITS))
    oldest_bucket = upto.op(">>")(bits) - literal_column(str(RECENT_BUCKETS - 1))
    below_buckets = oldest_bucket.op("<<")(bits)
    late = (
        select(key.label("id"))
        .where(_Matches(), unindexed < below_buckets, found_early < bindparam("limit"), *shown)
        .order_by(unindexed.desc())
        .limit(bindparam("limit"))
    )
    hits = union_all(select(early.c.id), late).subquery("hits")
    return (
        _tweet_views(signed_in)
        .join(hits, hits.c.id == tweets.c.id)
        .order_by(hits.c.id.desc())
        .limit(bindparam("limit"))
    )


def _shown(key: Any) -> Any:
    """Whether the viewer may find tweet ``key``: no block between the viewer and its
    author, no mute of the author in force at ``:now``. For the searches that cut a page of
    ids from the index before joining the tweets: the ids are judged before the cut."""
    viewer = bindparam("viewer", type_=Id)
    found = tweets.alias("found")
    return (
        select(found.c.id)
        .where(
            found.c.id == key,
            unblocked(viewer, found.c.author_id),
            _unmuted_author(viewer, found.c.author_id),
        )
        .exists()
    )


def _unmuted_author(viewer: Any, author: Any) -> Any:
    return unmuted(viewer, author, bindparam("now", type_=UtcDateTime))


def _search(words: bool, author: bool, tags: int, signed_in: bool, paged: bool) -> Select[Any]:
    """Driven by the rarest kind of term there is: words (the full-text index), else the
    first tag (``ix_tweet_hashtags_tag_tweet_id``), else the author (``ix_tweets_author_id_id``);
    the other terms filter the rows it yields.

    Words alone (on SQLite; PostgreSQL's is ``_words_only_postgresql``): the page's tweet
    ids are cut from the index first, then joined, so no tweet beyond the page is read."""
    if words and not author and not tags:
        matches = select(_SearchKey().label("id")).select_from(tweet_search).where(_Matches())
        if signed_in:
            matches = matches.where(_shown(_SearchKey()))
        hits = newest_first(matches, _SearchKey(), paged).subquery("hits")
        return (
            _tweet_views(signed_in).join(hits, hits.c.id == tweets.c.id).order_by(hits.c.id.desc())
        )
    statement = _tweet_views(signed_in)
    first_tag = 0
    if words:
        key: Any = _SearchOrder()
        statement = statement.join(tweet_search, _SearchKey() == tweets.c.id).where(_Matches())
    elif tags:
        key = tweet_hashtags.c.tweet_id
        statement = statement.join(tweet_hashtags, key == tweets.c.id).where(
            tweet_hashtags.c.tag == bindparam("tag0")
        )
        first_tag = 1
    else:
        key = tweets.c.id
    if author:
        statement = statement.where(tweets.c.author_id == bindparam("author"))
    if signed_in:  # blocks: in _tweet_views
        statement = statement.where(
            _unmuted_author(bindparam("viewer", type_=Id), tweets.c.author_id)
        )
    for index in range(first_tag, tags):
        tagged = tweet_hashtags.alias(f"tagged{index}")
        statement = statement.where(
            exists().where(
                tagged.c.tweet_id == tweets.c.id, tagged.c.tag == bindparam(f"tag{index}")
            )
        )
    return newest_first(statement, key, paged)


_SEARCHES: dict[tuple[bool, bool, int, bool, bool], ReadQuery] = {}
_WORDS_ONLY_POSTGRESQL = {
    (signed_in, paged): ReadQuery(_words_only_postgresql(signed_in, paged))
    for signed_in in (False, True)
    for paged in (False, True)
}


def _search_query(words: bool, author: bool, tags: int, signed_in: bool, paged: bool) -> ReadQuery:
    shape = (words, author, tags, signed_in, paged)
    query = _SEARCHES.get(shape)
    if query is None:  # at most 2 x 2 x 11 x 2 x 2 of them (SearchTweets caps the tags)
        query = _SEARCHES[shape] = ReadQuery(_search(*shape))
    return query


class SqlTweetSearch(TweetSearch):
    def __init__(self, connections: Reads, database: Database, clock: Clock) -> None:
        self._reads = connections
        self._clock = clock
        self._postgresql = database.dialect.name == "postgresql"

    async def tweets(
        self,
        words: Sequence[str],
        author_id: int | None,
        tags: Sequence[str],
        viewer_id: int | None,
        before: int | None,
        limit: int,
    ) -> KeyedTweets:
        signed_in, paged = viewer_id is not None, before is not None
        params: dict[str, Any] = {f"tag{index}": tag for index, tag in enumerate(tags)}
        if self._postgresql and words and author_id is None and not tags:
            query = _WORDS_ONLY_POSTGRESQL[signed_in, paged]
        else:
            query = _search_query(bool(words), author_id is not None, len(tags), signed_in, paged)
        if words:
            params["words"] = " ".join(words)
        if author_id is not None:
            params["author"] = author_id
        if viewer_id is not None:
            params |= {"viewer": viewer_id, "now": self._clock.now()}
        rows = await self._reads.all(query, **params, **page_params(before, limit))
        return await keyed_views(self._reads, [row.id for row in rows], rows, viewer_id)


# The FTS5 table as SQLite has it: the rowid is the tweet id (``tweet_id`` repeats it, so
# that both databases' tables have the same columns).
_fts = Table(
    "tweet_search",
    MetaData(),
    Column("rowid", Id, primary_key=True),
    Column("tweet_id", Id),
    Column("document", Text),
    Column("version", Integer),
)


def _put(dialect: str) -> Any:
    """The words of ``:tweet`` at ``:version`` if the tweet exists and no later version's
    are held (on SQLite after ``_DROP_OLDER``, in a transaction that holds the database)."""
    if dialect == "sqlite":
        return insert(_fts).from_select(
            ["rowid", "tweet_id", "document", "version"],
            select(tweets.c.id, tweets.c.id, bindparam("words", type_=Text()), bindparam("version"))
            .where(tweets.c.id == bindparam("tweet"))
            .where(~exists().where(_fts.c.rowid == bindparam("tweet"))),
        )
    words = func.string_to_array(bindparam("words", type_=Text()), literal_column("' '"))
    document = func.array_to_tsvector(func.array_append(words, _bucket_lexeme(tweets.c.id)))
    upsert = postgresql.insert(tweet_search).from_select(
        ["tweet_id", "document", "version"],
        select(tweets.c.id, document, bindparam("version", type_=Integer())).where(
            tweets.c.id == bindparam("tweet")
        ),
    )
    return upsert.on_conflict_do_update(
        index_elements=[tweet_search.c.tweet_id],
        set_={"document": upsert.excluded.document, "version": upsert.excluded.version},
        where=tweet_search.c.version <= upsert.excluded.version,
    )


_DROP_OLDER = WriteStatement(
    delete(_fts).where(_fts.c.rowid == bindparam("tweet"), _fts.c.version <= bindparam("version"))
)
_PUT = WriteStatement(build=_put)
_REMOVE = WriteStatement(delete(tweet_search).where(_SearchKey() == bindparam("tweet")))


class SqlSearchIndex(SearchIndex):
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._statements = uow
        self._sqlite = uow.dialect_name == "sqlite"

    async def put(self, tweet_id: int, version: int, words: Sequence[str]) -> None:
        if self._sqlite:  # an FTS5 table has no ON CONFLICT
            await self._statements.execute(_DROP_OLDER, tweet=tweet_id, version=version)
        await self._statements.execute(_PUT, tweet=tweet_id, version=version, words=" ".join(words))

    async def remove(self, tweet_id: int) -> None:
        await self._statements.execute(_REMOVE, tweet=tweet_id)


def _prefixed(column: Any, bounded: bool) -> Any:
    lower = column >= bindparam("prefix")
    return and_(lower, column < bindparam("upper")) if bounded else lower


def _users_by_prefix(signed_in: bool, bounded: bool) -> Select[Any]:
    """Three index ranges (the username's unique index, the two names' indexes), OR-ed:
    each database reads the matching entries of each and merges them."""
    return (
        profiles(signed_in)
        .where(
            or_(
                _prefixed(users.c.username_canonical, bounded),
                _prefixed(users.c.first_name_canonical, bounded),
                _prefixed(users.c.last_name_canonical, bounded),
            ),
            users.c.is_active.is_(True),
        )
        .order_by(
            (users.c.username_canonical == bindparam("prefix")).desc(),
            users.c.followers_count.desc(),
            users.c.id,
        )
        .limit(bindparam("limit"))
    )


_BY_PREFIX = {
    (signed_in, bounded): ReadQuery(_users_by_prefix(signed_in, bounded))
    for signed_in in (False, True)
    for bounded in (False, True)
}


class SqlUserSearch(UserSearch):
    def __init__(self, connections: Reads, clock: Clock) -> None:
        self._reads = connections
        self._clock = clock

    async def by_prefix(
        self, prefix: str, upper: str | None, viewer_id: int | None, limit: int
    ) -> list[ProfileView]:
        params: dict[str, Any] = {"prefix": prefix, "limit": limit}
        if upper is not None:
            params["upper"] = upper
        params |= viewer_params(viewer_id, self._clock)
        rows = await self._reads.all(_BY_PREFIX[viewer_id is not None, upper is not None], **params)
        return [profile_of(row) for row in rows]
