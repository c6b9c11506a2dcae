"""Loads the benchmark dataset (:mod:`bench.dataset`) in bulk SQL after the real migrations.

Every random choice is made by PostgreSQL itself (``generate_series`` and ``random()`` after
``setseed``), in one session with parallel query off, so the same size always gives the
same rows. Foreign-key triggers are skipped during the load (``session_replication_role =
replica``; the rows are consistent by construction) and the primary key and index of
``timeline_entries`` are rebuilt after it is filled, which is what makes size L feasible.

What the application itself computes comes from its own code: the canonical username and
e-mail columns from :mod:`domain.users`, the fan-out and the timeline's constraint and
index from the tables of :mod:`adapters.sql.tables`.
"""

from __future__ import annotations

import time

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import insert, select, union_all
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex
from sqlalchemy.sql.expression import ClauseElement

from adapters.sql.tables import follows, timeline_entries, tweets
from bench.database_reads import EXISTING_ROWS, asyncpg_dsn, row_counts
from bench.dataset import (
    BIG_ACCOUNT_ID,
    FOLLOWS_EPOCH,
    SEED,
    TWEETS_EPOCH,
    USERS_EPOCH,
    Size,
    accounts,
    cohorts,
    username,
)
from bench.processes import log

_SESSION = [
    "SET max_parallel_workers_per_gather = 0",  # random() must see rows in one order
    "SET session_replication_role = replica",  # no FK triggers: consistent by construction
    "SET work_mem = '256MB'",
    "SET maintenance_work_mem = '1GB'",
    "SET max_parallel_maintenance_workers = 2",
    "SET synchronous_commit = off",
]

_FOLLOW_CANDIDATES = """
CREATE TEMP TABLE bench_follow_candidates AS
SELECT u AS follower_id, k, 2 + floor(random() * ($1::bigint - 1))::bigint AS followee_id
FROM generate_series(1, $1::bigint) AS u
CROSS JOIN LATERAL generate_series(
    1, CASE WHEN u = ANY($4::bigint[]) THEN $3::int ELSE $2::int END * 5 / 4 + 16
) AS k
"""

_FOLLOWS = """
INSERT INTO follows (id, follower_id, followee_id, created_at)
SELECT id, follower_id, followee_id, $4::timestamptz + id * interval '1 second'
FROM (
    SELECT row_number() OVER (ORDER BY follower_id, k) AS id, follower_id, followee_id
    FROM (
        SELECT follower_id, followee_id, k,
               row_number() OVER (PARTITION BY follower_id ORDER BY k) AS n
        FROM (
            SELECT DISTINCT ON (follower_id, followee_id) follower_id, followee_id, k
            FROM bench_follow_candidates
            WHERE followee_id <> follower_id
            ORDER BY follower_id, followee_id, k
        ) AS distinct_pairs
    ) AS numbered
    WHERE n <= CASE WHEN follower_id = ANY($3::bigint[]) THEN $2::int ELSE $1::int END
) AS ordered
"""

_BIG_FOLLOWS = """
INSERT INTO follows (id, follower_id, followee_id, created_at)
SELECT base.n + i, 2 * i, $2::bigint, $3::timestamptz + (base.n + i) * interval '1 second'
FROM (SELECT coalesce(max(id), 0) AS n FROM follows) AS base, generate_series(1, $1::bigint) AS i
"""

_LIKE_PICKS = """
CREATE TEMP TABLE bench_likes AS
SELECT k, user_id, tweet_id, delay
FROM (
    SELECT DISTINCT ON (user_id, tweet_id) k, user_id, tweet_id, delay
    FROM (
        SELECT k,
               1 + floor(random() * $1::bigint)::bigint AS user_id,
               1 + floor(random() * $2::bigint)::bigint AS tweet_id,
               random() AS delay
        FROM generate_series(1, $3::bigint * 21 / 20 + 100) AS k
    ) AS candidates
    ORDER BY user_id, tweet_id, k
) AS distinct_pairs
ORDER BY k
LIMIT $3::bigint
"""

_TWEETS = """
INSERT INTO tweets (id, author_id, text, created_at, like_count)
SELECT i, authors.author_id,
       'Benchmark tweet ' || i || ' ' || md5(i::text),
       $4::timestamptz + i * interval '10 seconds',
       coalesce(liked.n, 0)
FROM (
    SELECT i, CASE WHEN i % $3::bigint = 0 THEN $5::bigint
                   ELSE 2 + floor(random() * ($2::bigint - 1))::bigint END AS author_id
    FROM generate_series(1, $1::bigint) AS i
) AS authors (i, author_id)
LEFT JOIN (SELECT tweet_id, count(*) AS n FROM bench_likes GROUP BY tweet_id) AS liked
       ON liked.tweet_id = authors.i
ORDER BY i
"""

_LIKES = """
INSERT INTO likes (id, user_id, tweet_id, created_at)
SELECT row_number() OVER (ORDER BY created_at, k), user_id, tweet_id, created_at
FROM (
    SELECT l.k, l.user_id, l.tweet_id, t.created_at + l.delay * interval '30 days' AS created_at
    FROM bench_likes AS l JOIN tweets AS t ON t.id = l.tweet_id
) AS timed
"""

# The names come in as arrays, one element per user id (``WITH ORDINALITY`` numbers them).
_USERS = """
INSERT INTO users (
    id, username, username_canonical, email, email_canonical, password_hash,
    first_name, last_name, bio, created_at, followers_count, following_count, tweets_count,
    first_name_canonical, last_name_canonical
)
SELECT u, username, username_canonical, email, email_canonical, $1,
       'Bench', 'User ' || u, 'Benchmark account number ' || u,
       $2::timestamptz + u * interval '1 minute',
       coalesce(followers.n, 0), coalesce(following.n, 0), coalesce(written.n, 0),
       'bench', 'user ' || u
FROM unnest($3::text[], $4::text[], $5::text[], $6::text[])
     WITH ORDINALITY AS names (username, username_canonical, email, email_canonical, u)
LEFT JOIN (SELECT followee_id, count(*) AS n FROM follows GROUP BY followee_id) AS followers
       ON followers.followee_id = u
LEFT JOIN (SELECT follower_id, count(*) AS n FROM follows GROUP BY follower_id) AS following
       ON following.follower_id = u
LEFT JOIN (SELECT author_id, count(*) AS n FROM tweets GROUP BY author_id) AS written
       ON written.author_id = u
"""

# The search index of the tweets (adapters.sql.search): their texts are ASCII, so lower() and
# a split on anything but [a-z0-9] give exactly domain.search's words; with the id bucket.
SEARCH_INDEX = """
INSERT INTO tweet_search (tweet_id, document, version)
SELECT id,
       array_to_tsvector(array_append(
           array_remove(regexp_split_to_array(lower(text), '[^a-z0-9]+'), ''),
           '!' || (id >> 13))),
       0
FROM tweets
"""

_TIMELINE_COUNT = """
SELECT coalesce(sum(1 + u.followers_count), 0)
FROM tweets AS t JOIN users AS u ON u.id = t.author_id
"""

_POSTGRESQL = postgresql.asyncpg.dialect()  # type: ignore[no-untyped-call]


def _postgresql(statement: ClauseElement) -> str:
    return str(statement.compile(dialect=_POSTGRESQL))


def _timeline_statements() -> list[str]:
    """Fan-out on write for every tweet at once: ``SqlHomeTimelines.add_tweet``'s rows (each
    follower of the author, and the author), written with the table's primary key and index
    dropped and rebuilt after, under the migrations' names (the tables' naming convention).

    The application's own statement writes one tweet's entries, keeping the index up to date;
    run once per tweet it would take 10k round trips at size S and 1M at size L, each
    maintaining three indexes, where one statement and one index build take seconds.
    """
    indexes = sorted(timeline_entries.indexes, key=lambda index: str(index.name))
    primary_key = timeline_entries.primary_key
    readers = union_all(
        select(follows.c.follower_id, tweets.c.id, tweets.c.id).select_from(
            tweets.join(follows, follows.c.followee_id == tweets.c.author_id)
        ),
        select(tweets.c.author_id, tweets.c.id, tweets.c.id),
    )
    fan_out = insert(timeline_entries).from_select(["user_id", "tweet_id", "position"], readers)
    steps: list[ClauseElement] = [
        DropConstraint(primary_key),
        *(DropIndex(index) for index in indexes),
        fan_out,
        AddConstraint(primary_key),
        *(CreateIndex(index) for index in indexes),
    ]
    return [_postgresql(step) for step in steps]


_SEQUENCES = ("users", "follows", "tweets", "likes")


async def _step(connection: asyncpg.Connection, label: str, sql: str, *args: object) -> float:
    start = time.perf_counter()
    status = await connection.execute(sql, *args)
    elapsed = time.perf_counter() - start
    log(f"  {label}: {status} ({elapsed:.1f} s)")
    return elapsed


async def load(database_url: str, size: Size, hashed_password: str) -> dict[str, object]:
    """Fill the empty, migrated database; return row counts and timings."""
    chosen = cohorts(size)
    deep = chosen.deep_readers if size.deep_followees else []
    timings: dict[str, float] = {}
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        if await connection.fetchval(EXISTING_ROWS):
            raise RuntimeError("the benchmark database is not empty")
        for statement in _SESSION:
            await connection.execute(statement)
        await connection.execute("SELECT setseed($1)", SEED)
        start = time.perf_counter()
        timings["follows"] = await _step(
            connection,
            "follow candidates",
            _FOLLOW_CANDIDATES,
            size.users,
            size.followees,
            size.deep_followees,
            deep,
        )
        timings["follows"] += await _step(
            connection,
            "follows",
            _FOLLOWS,
            size.followees,
            size.deep_followees,
            deep,
            FOLLOWS_EPOCH,
        )
        timings["follows"] += await _step(
            connection,
            "big account's followers",
            _BIG_FOLLOWS,
            size.big_followers,
            BIG_ACCOUNT_ID,
            FOLLOWS_EPOCH,
        )
        timings["likes"] = await _step(
            connection, "like picks", _LIKE_PICKS, size.users, size.tweets, size.likes
        )
        timings["tweets"] = await _step(
            connection,
            "tweets",
            _TWEETS,
            size.tweets,
            size.users,
            size.big_stride,
            TWEETS_EPOCH,
            BIG_ACCOUNT_ID,
        )
        timings["likes"] += await _step(connection, "likes", _LIKES)
        timings["search_index"] = await _step(connection, "search index", SEARCH_INDEX)
        timings["users"] = await _step(
            connection,
            "users",
            _USERS,
            hashed_password,
            USERS_EPOCH,
            *accounts(size.users),
        )
        entries = int(await connection.fetchval(_TIMELINE_COUNT))
        log(f"  timeline entries to write: {entries:,}")
        timings["timeline_entries"] = 0.0
        timeline = _timeline_statements()
        for number, statement in enumerate(timeline, 1):
            timings["timeline_entries"] += await _step(
                connection, f"timeline {number}/{len(timeline)}", statement
            )
        for table in _SEQUENCES:
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        await connection.execute("DROP TABLE bench_follow_candidates, bench_likes")
        await connection.execute("RESET session_replication_role")
        timings["vacuum_analyze"] = await _step(connection, "vacuum analyze", "VACUUM ANALYZE")
        timings["total"] = time.perf_counter() - start
        loaded = await row_counts(connection)
    finally:
        await connection.close()
    if loaded["timeline_entries"] != entries:
        raise RuntimeError(
            f"timeline_entries holds {loaded['timeline_entries']} rows, expected {entries}"
        )
    return {
        **loaded,
        "big_account": {"id": BIG_ACCOUNT_ID, "username": username(BIG_ACCOUNT_ID)},
        "followees_per_user": size.followees,
        "deep_followees": size.deep_followees,
        "big_followers": size.big_followers,
        "big_account_tweets": size.tweets // size.big_stride,
        "load_seconds": {key: round(value, 2) for key, value in timings.items()},
    }
