"""The accounts of the write scenarios beyond the dataset: a celebrity with 100,000 followers
and a small account with 10, loaded in bulk SQL (as :mod:`bench.bulk_load` does) on top of a
loaded database.

The followers are 100,000 extra users, ``fan_0000001`` ...; the first ten of them also follow
the small account, and the first one is the freshness probe's reader. None of them is in a
cohort of the read scenarios, whose feeds stay as they were.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import asyncpg  # type: ignore[import-untyped]

from bench.database_reads import asyncpg_dsn
from bench.dataset import FOLLOWS_EPOCH, USERS_EPOCH
from bench.processes import log
from domain.users import canonical_email, canonical_username

CELEBRITY = "bench_celebrity"
SMALL = "bench_small"
CELEBRITY_FOLLOWERS = 100_000
SMALL_FOLLOWERS = 10


def fan(number: int) -> str:
    return f"fan_{number:07d}"


@dataclass(frozen=True, slots=True)
class WriteAccounts:
    celebrity: str
    small: str
    probe_reader: str  # follows both; the freshness probe reads its feed
    celebrity_followers: int
    small_followers: int


ACCOUNTS = WriteAccounts(CELEBRITY, SMALL, fan(1), CELEBRITY_FOLLOWERS, SMALL_FOLLOWERS)

# Ids follow the highest in the table: $7 is that base. The celebrity is base + 1, the small
# account base + 2, fan n base + 2 + n.
_USERS = """
INSERT INTO users (
    id, username, username_canonical, email, email_canonical, password_hash,
    first_name, last_name, bio, created_at, followers_count, following_count, tweets_count
)
SELECT $7::bigint + n, username, username_canonical, email, email_canonical, $1,
       'Bench', 'Writer ' || n, 'Benchmark write account ' || n,
       $2::timestamptz + n * interval '1 second',
       CASE n WHEN 1 THEN $8::int WHEN 2 THEN $9::int ELSE 0 END,
       CASE WHEN n = 1 OR n = 2 THEN 0 WHEN n <= 2 + $9::int THEN 2 ELSE 1 END,
       0
FROM unnest($3::text[], $4::text[], $5::text[], $6::text[])
     WITH ORDINALITY AS names (username, username_canonical, email, email_canonical, n)
"""

# Every fan follows the celebrity; the first ``SMALL_FOLLOWERS`` fans the small account too.
_FOLLOWS = """
INSERT INTO follows (id, follower_id, followee_id, created_at)
SELECT $2::bigint + row_number() OVER (ORDER BY fan, followee), $1::bigint + 2 + fan,
       $1::bigint + followee, $4::timestamptz + fan * interval '1 second'
FROM generate_series(1, $3::bigint) AS fan
CROSS JOIN LATERAL (
    SELECT 1 AS followee UNION ALL SELECT 2 WHERE fan <= $5::bigint
) AS followees
"""


def _names() -> tuple[list[str], list[str], list[str], list[str]]:
    names = [CELEBRITY, SMALL, *(fan(n) for n in range(1, CELEBRITY_FOLLOWERS + 1))]
    emails = [f"{name}@bench.example" for name in names]
    return (
        names,
        [canonical_username(name) for name in names],
        emails,
        [canonical_email(address) for address in emails],
    )


async def load(database_url: str, hashed_password: str) -> dict[str, object]:
    """Adds the accounts unless they are there already; returns what was added."""
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        exists = await connection.fetchval(
            "SELECT count(*) FROM users WHERE username_canonical = $1", CELEBRITY
        )
        if exists:
            log(f"  {CELEBRITY} is there already")
            return {"reused": True}
        start = time.perf_counter()
        async with connection.transaction():
            await connection.execute("SET LOCAL session_replication_role = replica")
            user_base = int(await connection.fetchval("SELECT coalesce(max(id), 0) FROM users"))
            follow_base = int(await connection.fetchval("SELECT coalesce(max(id), 0) FROM follows"))
            users = await connection.execute(
                _USERS,
                hashed_password,
                USERS_EPOCH,
                *_names(),
                user_base,
                CELEBRITY_FOLLOWERS,
                SMALL_FOLLOWERS,
            )
            follows = await connection.execute(
                _FOLLOWS,
                user_base,
                follow_base,
                CELEBRITY_FOLLOWERS,
                FOLLOWS_EPOCH,
                SMALL_FOLLOWERS,
            )
            for table in ("users", "follows"):
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
        await connection.execute("ANALYZE users, follows")
        seconds = time.perf_counter() - start
    finally:
        await connection.close()
    log(f"  write accounts: {users}, {follows} ({seconds:.1f} s)")
    return {
        "celebrity": CELEBRITY,
        "celebrity_followers": CELEBRITY_FOLLOWERS,
        "small": SMALL,
        "small_followers": SMALL_FOLLOWERS,
        "load_seconds": round(seconds, 2),
    }
