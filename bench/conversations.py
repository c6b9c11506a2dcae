"""``--conversations``: issue 15's reads on threads, reposts, hashtags and search.

On the chosen size's dataset (loaded as usual) it adds, in bulk SQL as the application would
have written it:

- 10,000 reply chains: 5 chains 1,000 tweets deep, 5 roots with 5,000 direct replies each,
  and 9,990 short threads of 3 tweets (a root, a reply, a reply to the reply);
- 200,000 hashtag uses (3 per tweet, from 5,000 tags), the tag ``daily`` on 1% of tweets and
  ``solstice`` on 5; the word ``zebra`` in 1% of tweets and ``quokka`` in 5, indexed for
  search as the workers would;
- 50,000 reposts fanned out into the reposters' followers' timelines (the earliest repost
  of a tweet per feed; none for the tweet's author or the author's followers), except the
  timelines of every other feed reader: the readers whose feeds hold no repost.

Then it drives each read with wrk, the reads in turn for ``ROUNDS`` rounds (each figure is
the median of its rounds: this machine's runs vary by a quarter), and prints the issue's
ratios against its goals. The feed with reposts and the feed without are two halves of one
cohort of readers, read on the same database one after the other: neither the reposts'
load nor the order of the runs takes sides.
"""

from __future__ import annotations

import asyncio
import functools
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from bench import bulk_load, loadgen
from bench.database_reads import asyncpg_dsn
from bench.dataset import Size

DEEP_CHAINS, DEEP_LENGTH = 5, 1_000
WIDE_ROOTS, WIDE_REPLIES = 5, 5_000
CHAINS = 10_000
SHORT_LENGTH = 3
REPOSTS = 50_000
TAGS_PER_TWEET, TAG_KINDS = 3, 5_000
COMMON_WORD, RARE_WORD = "zebra", "quokka"
COMMON_TAG, RARE_TAG = "daily", "solstice"
RARE_COUNT = 5
SEED = 1515
ROUNDS = 3

# Goals of issue 15: (numerator, denominator, measure, goal, "max" or "min").
GOALS = (
    ("context_deep", "context_short", "p99_ms", 2.0, "max"),
    ("search_common", "search_rare", "p99_ms", 2.0, "max"),
    ("feed_with_reposts", "feed_without_reposts", "rps", 0.9, "min"),
)


@dataclass(frozen=True, slots=True)
class Threads:
    """Tweets whose contexts are measured: the middle of each chain (its context holds 40
    ancestors and 20 levels below), the wide roots (60 of their replies), and the middles
    of the 3-tweet threads (one ancestor, one reply)."""

    deep: list[int]
    wide: list[int]
    short: list[int]


@dataclass
class ConversationData:
    threads: Threads
    counts: dict[str, int] = field(default_factory=dict)


def _connect(url: str) -> Any:
    return asyncpg.connect(asyncpg_dsn(url))


async def _ids(connection: Any, n: int) -> list[int]:
    rows = await connection.fetch(
        "SELECT nextval(pg_get_serial_sequence('tweets', 'id')) AS id FROM generate_series(1, $1)",
        n,
    )
    return sorted(int(row["id"]) for row in rows)


def _thread_rows(users: int, ids: list[int], chooser: random.Random) -> tuple[list[Any], Threads]:
    """(id, author, parent, parent's author) of every thread tweet, in id order."""
    rows: list[tuple[int, int, int | None, int | None]] = []
    authors: dict[int, int] = {}
    taken = iter(ids)

    def add(parent: int | None) -> int:
        tweet_id = next(taken)
        author = chooser.randint(2, users)
        authors[tweet_id] = author
        rows.append((tweet_id, author, parent, None if parent is None else authors[parent]))
        return tweet_id

    deep, wide, short = [], [], []
    for _ in range(DEEP_CHAINS):
        chain = [add(None)]
        for _ in range(DEEP_LENGTH - 1):
            chain.append(add(chain[-1]))
        deep.append(chain[DEEP_LENGTH // 2])
    for _ in range(WIDE_ROOTS):
        root = add(None)
        for _ in range(WIDE_REPLIES):
            add(root)
        wide.append(root)
    for _ in range(CHAINS - DEEP_CHAINS - WIDE_ROOTS):
        root = add(None)
        middle = add(root)
        add(middle)
        short.append(middle)
    return rows, Threads(deep, wide, short)


def thread_tweets() -> int:
    return (
        DEEP_CHAINS * DEEP_LENGTH
        + WIDE_ROOTS * (1 + WIDE_REPLIES)
        + (CHAINS - DEEP_CHAINS - WIDE_ROOTS) * SHORT_LENGTH
    )


async def load(url: str, size: Size) -> ConversationData:
    """Threads, hashtags and the search words (everything but the reposts)."""
    chooser = random.Random(SEED)  # noqa: S311  # reproducible, not secret
    connection = await _connect(url)
    try:
        ids = await _ids(connection, thread_tweets())
        rows, threads = _thread_rows(size.users, ids, chooser)
        now = datetime.now(UTC)
        await connection.copy_records_to_table(
            "tweets",
            records=[(*row, "reply", now, True) for row in rows],
            columns=[
                "id",
                "author_id",
                "in_reply_to_id",
                "in_reply_to_user_id",
                "text",
                "created_at",
                "fanned_out",
            ],
        )
        await connection.execute(_REPLY_COUNTS)
        await connection.execute(_COMMON_WORD, COMMON_WORD)
        await connection.execute(_RARE_WORD, RARE_WORD, RARE_COUNT)
        await connection.execute(_TAGS, TAGS_PER_TWEET, TAG_KINDS)
        await connection.execute(_COMMON_TAG, COMMON_TAG)
        await connection.execute(_RARE_TAG, RARE_TAG, RARE_COUNT)
        await connection.execute(_TWEET_TAGS)
        await connection.execute("DELETE FROM tweet_search")
        await connection.execute(bulk_load.SEARCH_INDEX)
        # As the base load does: the visibility map, GIN's pending list, the statistics.
        await connection.execute("VACUUM ANALYZE")
        counts = {
            "thread_tweets": len(rows),
            "hashtag_uses": int(await connection.fetchval("SELECT count(*) FROM tweet_hashtags")),
            "tweets": int(await connection.fetchval("SELECT count(*) FROM tweets")),
        }
    finally:
        await connection.close()
    return ConversationData(threads, counts)


def feed_cohorts(readers: Sequence[int]) -> tuple[list[int], list[int]]:
    """The readers whose feeds get the reposts, and those whose feeds get none: every
    other reader, so that both halves are alike."""
    return list(readers[::2]), list(readers[1::2])


async def load_reposts(url: str, size: Size, spared: Sequence[int]) -> dict[str, int]:
    """The reposts, fanned out into every timeline but those of ``spared``."""
    connection = await _connect(url)
    try:
        await connection.execute("SELECT setseed(0.1515)")
        await connection.execute(_REPOSTS, REPOSTS, size.users, size.tweets)
        await connection.execute(_REPOST_ENTRIES, list(spared))
        await connection.execute(_REPOST_COUNTS)
        # As the base load does: the visibility map, GIN's pending list, the statistics.
        await connection.execute("VACUUM ANALYZE")
        return {
            "reposts": int(await connection.fetchval("SELECT count(*) FROM reposts")),
            "repost_entries": int(
                await connection.fetchval(
                    "SELECT count(*) FROM timeline_entries WHERE reposted_by IS NOT NULL"
                )
            ),
        }
    finally:
        await connection.close()


async def reposts_on_first_pages(url: str, readers: list[int], page: int) -> float:
    """The share of the readers' first feed pages that reposts hold (of the entries)."""
    connection = await _connect(url)
    try:
        value = await connection.fetchval(_REPOSTS_ON_PAGE, readers, page)
        return float(value or 0)
    finally:
        await connection.close()


_REPLY_COUNTS = """
UPDATE tweets AS parent SET reply_count = replies.n
FROM (SELECT in_reply_to_id, count(*) AS n FROM tweets
      WHERE in_reply_to_id IS NOT NULL GROUP BY in_reply_to_id) AS replies
WHERE parent.id = replies.in_reply_to_id
"""
# A word in 1% of the tweets; another in $2 of them, spread over the table.
_COMMON_WORD = "UPDATE tweets SET text = text || ' ' || $1 WHERE id % 100 = 7"
_RARE_WORD = """
UPDATE tweets SET text = text || ' ' || $1
WHERE id IN (SELECT min(id) FROM (SELECT id, ntile($2) OVER (ORDER BY id) AS part FROM tweets)
             AS parts GROUP BY part)
"""
_TAGS = """
INSERT INTO tweet_hashtags (tweet_id, position, tag)
SELECT id, p, 'tag' || ((id * 7919 + p * 104729) % $2)
FROM tweets, generate_series(1, $1) AS p
"""
# Position 0: a tag on 1% of the tweets, another on $2 of them.
_COMMON_TAG = "INSERT INTO tweet_hashtags SELECT id, 0, $1 FROM tweets WHERE id % 100 = 3"
_RARE_TAG = """
INSERT INTO tweet_hashtags
SELECT max(id), 0, $1 FROM (SELECT id, ntile($2) OVER (ORDER BY id) AS part FROM tweets)
AS parts GROUP BY part
"""
_TWEET_TAGS = """
UPDATE tweets SET hashtags = tags.joined
FROM (SELECT tweet_id, string_agg(tag, ' ' ORDER BY position) AS joined
      FROM tweet_hashtags GROUP BY tweet_id) AS tags
WHERE tweets.id = tags.tweet_id
"""
_REPOSTS = """
INSERT INTO reposts (user_id, tweet_id, position, created_at)
SELECT user_id, tweet_id, nextval(pg_get_serial_sequence('tweets', 'id')), now()
FROM (SELECT DISTINCT 2 + floor(random() * ($2 - 1))::bigint AS user_id,
                      1 + floor(random() * $3)::bigint AS tweet_id
      FROM generate_series(1, $1)) AS picked
ON CONFLICT DO NOTHING
"""
# As feed.fan_out_repost writes them, every repost at once, the earliest first.
_REPOST_ENTRIES = """
INSERT INTO timeline_entries (user_id, tweet_id, position, reposted_by)
SELECT f.follower_id, r.tweet_id, r.position, r.user_id
FROM reposts AS r
JOIN follows AS f ON f.followee_id = r.user_id
JOIN tweets AS t ON t.id = r.tweet_id
WHERE f.follower_id <> t.author_id
  AND f.follower_id <> ALL($1::bigint[])
  AND NOT EXISTS (SELECT 1 FROM follows AS g
                  WHERE g.follower_id = f.follower_id AND g.followee_id = t.author_id)
ORDER BY r.position
ON CONFLICT DO NOTHING
"""
_REPOST_COUNTS = """
UPDATE tweets SET repost_count = counted.n
FROM (SELECT tweet_id, count(*) AS n FROM reposts GROUP BY tweet_id) AS counted
WHERE tweets.id = counted.tweet_id
"""
_REPOSTS_ON_PAGE = """
SELECT avg((reposted_by IS NOT NULL)::int)
FROM unnest($1::bigint[]) AS reader(id)
CROSS JOIN LATERAL (SELECT reposted_by FROM timeline_entries
                    WHERE user_id = reader.id ORDER BY position DESC LIMIT $2) AS page
"""


def rows_file(path: Path, values: list[object]) -> str:
    path.write_text("".join(f"{value}\n" for value in values))
    return str(path)


def public_page(
    key: str, base_url: str, rows: str, prefix: str, suffix: str, settings: loadgen.WrkSettings
) -> loadgen.Measurement:
    return loadgen.wrk(key, base_url, "public_page.lua", [rows, prefix, suffix], settings)


def ratios(results: dict[str, loadgen.Measurement]) -> list[dict[str, Any]]:
    """Each goal of the issue: the ratio measured, the goal, and whether it is met."""
    found = []
    for top, bottom, measure, goal, kind in GOALS:
        if top not in results or bottom not in results:
            continue
        a, b = getattr(results[top], measure), getattr(results[bottom], measure)
        ratio = a / b if b else float("inf")
        met = ratio <= goal if kind == "max" else ratio >= goal
        found.append(
            {
                "ratio": f"{top} ÷ {bottom} ({measure})",
                "value": round(ratio, 2),
                "goal": f"{'≤' if kind == 'max' else '≥'} {goal}",
                "met": met,
            }
        )
    return found


def markdown(results: dict[str, loadgen.Measurement], found: list[dict[str, Any]]) -> str:
    lines = ["| read | req/s | p50 ms | p99 ms | errors |", "|---|---|---|---|---|"]
    for key, result in results.items():
        lines.append(
            f"| {key} | {result.rps:,.0f} | {result.p50_ms:.2f} | {result.p99_ms:.2f} "
            f"| {result.error_count} |"
        )
    lines += ["", "| ratio | measured | goal | met |", "|---|---|---|---|"]
    lines += [
        f"| {r['ratio']} | {r['value']} | {r['goal']} | {'yes' if r['met'] else 'NO'} |"
        for r in found
    ]
    return "\n".join(lines)


Run = Callable[[], loadgen.Measurement]


def public_reads(
    base_url: str, data: ConversationData, files: Path, settings: loadgen.WrkSettings
) -> dict[str, Run]:
    """Every read but the feed's, anonymous, by name."""
    api = "/api/v1"
    threads = data.threads
    pages: list[tuple[str, list[object], str, str]] = [
        ("context_short", list(threads.short), f"{api}/tweets/", "/context"),
        ("context_deep", list(threads.deep), f"{api}/tweets/", "/context"),
        ("context_wide", list(threads.wide), f"{api}/tweets/", "/context"),
        ("tag_common", [COMMON_TAG], f"{api}/tags/", "/tweets"),
        ("tag_rare", [RARE_TAG], f"{api}/tags/", "/tweets"),
        ("search_common", [COMMON_WORD], f"{api}/search/tweets?q=", ""),
        ("search_rare", [RARE_WORD], f"{api}/search/tweets?q=", ""),
    ]
    runs: dict[str, Run] = {}
    for key, values, prefix, suffix in pages:
        rows = rows_file(files / f"{key}.tsv", values)
        runs[key] = functools.partial(public_page, key, base_url, rows, prefix, suffix, settings)
    return runs


def in_rounds(runs: dict[str, Run], rounds: int = ROUNDS) -> dict[str, loadgen.Measurement]:
    """Each run ``rounds`` times, the runs in turn within a round; per run the median of
    each figure over its rounds (the rounds' own figures in ``extra``)."""
    measured: dict[str, list[loadgen.Measurement]] = {key: [] for key in runs}
    for _ in range(rounds):
        for key, run in runs.items():
            measured[key].append(run())
    return {key: median_of(key, found) for key, found in measured.items()}


def median_of(name: str, found: list[loadgen.Measurement]) -> loadgen.Measurement:
    statuses: dict[str, int] = {}
    socket_errors: dict[str, int] = {}
    for one in found:
        for status, count in one.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
        for error, count in one.socket_errors.items():
            socket_errors[error] = socket_errors.get(error, 0) + count
    return loadgen.Measurement(
        name,
        rps=statistics.median(one.rps for one in found),
        p50_ms=statistics.median(one.p50_ms for one in found),
        p99_ms=statistics.median(one.p99_ms for one in found),
        requests=sum(one.requests for one in found),
        statuses=statuses,
        non_2xx=sum(one.non_2xx for one in found),
        socket_errors=socket_errors,
        first_error=next((one.first_error for one in found if one.first_error), None),
        command=found[0].command,
        extra={
            "rounds": [{"rps": round(one.rps, 1), "p99_ms": round(one.p99_ms, 3)} for one in found]
        },
    )


def load_sync(url: str, size: Size) -> ConversationData:
    return asyncio.run(load(url, size))
