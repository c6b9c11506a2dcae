"""Search: ``tweet_search`` (SQLite FTS5 / PostgreSQL tsvector + GIN) and user prefixes.

The index holds ``domain.search`` words verbatim, space-separated (migration 0014 says why
both databases then match alike). A query's words go in as one space-separated string too:
on SQLite it is an FTS5 query of barewords (every word is letters, digits and non-ASCII
characters, lower case, so none is an operator: implicit AND); on PostgreSQL it becomes the
tsquery ``'w1' & 'w2'`` (a word holds no quote or backslash).

A page of tweets with words walks the index newest first and stops at the page's end:
FTS5 yields rowids (tweet ids) in descending order itself; PostgreSQL reads the words'
matches from the GIN index as a bitmap and keeps the newest (a top-N sort of the ids
matched, no row of tweets read beyond the page).
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
    or_,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from adapters.sql.database import Reads
from adapters.sql.keyset import newest_first, page_params
from adapters.sql.media import keyed_with_media
from adapters.sql.statements import ReadQuery, WriteStatement
from adapters.sql.tables import Id, tweet_hashtags, tweet_search, tweets, users
from adapters.sql.tweet_entities import keyed_with_mentions
from adapters.sql.tweet_reader import _tweet_views, _view
from adapters.sql.unit_of_work import SqlUnitOfWork
from adapters.sql.user_reader import profile_of, profiles
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


class _Matches(ColumnElement[bool]):
    """``tweet_search`` holds every word of ``:words`` (space-separated)."""

    inherit_cache = True

    def __init__(self) -> None:
        self.words = bindparam("words", type_=Text())


@compiles(_Matches)
def _matches(element: _Matches, compiler: SQLCompiler, **kw: Any) -> str:
    words = compiler.process(element.words, **kw)
    query = f"'''' || replace({words}, ' ', ''' & ''') || ''''"
    return f"tweet_search.document @@ CAST({query} AS tsquery)"


@compiles(_Matches, "sqlite")
def _matches_sqlite(element: _Matches, compiler: SQLCompiler, **kw: Any) -> str:
    return f"tweet_search MATCH {compiler.process(element.words, **kw)}"


def _search(words: bool, author: bool, tags: int, signed_in: bool, paged: bool) -> Select[Any]:
    """Driven by the rarest kind of term there is: words (the full-text index), else the
    first tag (``ix_tweet_hashtags_tag_tweet_id``), else the author (``ix_tweets_author_id_id``);
    the other terms filter the rows it yields."""
    statement = _tweet_views(signed_in)
    first_tag = 0
    if words:
        key: Any = _SearchKey()
        statement = statement.join(tweet_search, key == tweets.c.id).where(_Matches())
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
    for index in range(first_tag, tags):
        tagged = tweet_hashtags.alias(f"tagged{index}")
        statement = statement.where(
            exists().where(
                tagged.c.tweet_id == tweets.c.id, tagged.c.tag == bindparam(f"tag{index}")
            )
        )
    return newest_first(statement, key, paged)


_SEARCHES: dict[tuple[bool, bool, int, bool, bool], ReadQuery] = {}


def _search_query(words: bool, author: bool, tags: int, signed_in: bool, paged: bool) -> ReadQuery:
    shape = (words, author, tags, signed_in, paged)
    query = _SEARCHES.get(shape)
    if query is None:  # at most 2 x 2 x 11 x 2 x 2 of them (SearchTweets caps the tags)
        query = _SEARCHES[shape] = ReadQuery(_search(*shape))
    return query


class SqlTweetSearch(TweetSearch):
    def __init__(self, connections: Reads) -> None:
        self._reads = connections

    async def tweets(
        self,
        words: Sequence[str],
        author_id: int | None,
        tags: Sequence[str],
        viewer_id: int | None,
        before: int | None,
        limit: int,
    ) -> KeyedTweets:
        query = _search_query(
            bool(words), author_id is not None, len(tags), viewer_id is not None, before is not None
        )
        params: dict[str, Any] = {f"tag{index}": tag for index, tag in enumerate(tags)}
        if words:
            params["words"] = " ".join(words)
        if author_id is not None:
            params["author"] = author_id
        if viewer_id is not None:
            params["viewer"] = viewer_id
        rows = await self._reads.all(query, **params, **page_params(before, limit))
        keyed = await keyed_with_mentions(self._reads, [(row.id, _view(row)) for row in rows], rows)
        return await keyed_with_media(self._reads, keyed)


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
    document = func.array_to_tsvector(func.string_to_array(bindparam("words", type_=Text()), " "))
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
    def __init__(self, connections: Reads) -> None:
        self._reads = connections

    async def by_prefix(
        self, prefix: str, upper: str | None, viewer_id: int | None, limit: int
    ) -> list[ProfileView]:
        params: dict[str, Any] = {"prefix": prefix, "limit": limit}
        if upper is not None:
            params["upper"] = upper
        if viewer_id is not None:
            params["viewer"] = viewer_id
        rows = await self._reads.all(_BY_PREFIX[viewer_id is not None, upper is not None], **params)
        return [profile_of(row) for row in rows]
