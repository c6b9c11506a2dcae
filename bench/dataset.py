"""The benchmark dataset: what it holds, its sizes, and the users whose tokens drive the load.

:mod:`bench.bulk_load` writes it, deterministically: the same size always gives the same rows.

Users
    ``user_0000001`` ... with the same real argon2id hash of :data:`PASSWORD`, so any of
    them can log in. User 1 is the *big account*: followed by the even user ids
    (``big_followers`` of them) and author of every ``T // big_tweets``-th tweet.
Follows
    Every user follows ``followees`` distinct random others (never user 1, never
    themselves); ids increase with ``created_at``. At size S the *deep readers* follow
    ``deep_followees`` instead, so that their feeds are longer than 50 pages.
Tweets
    Ids increase with ``created_at`` (10 s apart); authors are random users but for the big
    account's share.
Likes
    ``likes`` distinct random (user, tweet) pairs, each after its tweet, ids in time order.
Timeline entries
    Fan-out on write, as the application writes them: one entry per tweet for its author
    and one for each follower of the author at load time.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher, Type

from adapters.argon2_hasher import OWASP_MEMORY_KIB, OWASP_PARALLELISM, OWASP_TIME_COST
from domain.users import canonical_email, canonical_username

PASSWORD = "bench-password-2718"
SEED = 0.4242  # for PostgreSQL's setseed()
COHORT_SEED = 4242  # for the choice of the users whose tokens drive the load
BIG_ACCOUNT_ID = 1
PAGE_SIZE = 20
DEEP_PAGE = 50
USERS_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
FOLLOWS_EPOCH = datetime(2024, 2, 1, tzinfo=UTC)
TWEETS_EPOCH = datetime(2024, 3, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Size:
    name: str
    users: int
    tweets: int
    followees: int  # per user
    big_followers: int  # users following the big account (the even ids)
    big_tweets: int  # tweets written by the big account
    likes: int
    # Followees of the page-50 readers; 0: the page-1 readers' feeds are long enough.
    deep_followees: int
    readers: int = 64  # users per cohort whose tokens drive the load

    @property
    def big_stride(self) -> int:
        return max(1, self.tweets // self.big_tweets)

    def expected_timeline_entries(self) -> int:
        """Roughly: one entry per tweet and follower of its author, plus the author's own."""
        big = self.tweets // self.big_stride
        normal_tweets = self.tweets - big
        deep_extra = (
            self.readers * (self.deep_followees - self.followees) if self.deep_followees else 0
        )
        average_followers = (self.users * self.followees + deep_extra) / (self.users - 1)
        return int(self.tweets + normal_tweets * average_followers + big * self.big_followers)


SIZES: dict[str, Size] = {
    "S": Size(
        "S",
        users=10_000,
        tweets=10_000,
        followees=20,
        big_followers=5_000,
        big_tweets=100,
        likes=20_000,
        deep_followees=1_300,
    ),
    "L": Size(
        "L",
        users=10_000,
        tweets=1_000_000,
        followees=200,
        big_followers=5_000,
        big_tweets=1_000,
        likes=2_000_000,
        deep_followees=0,
    ),
}


def username(user_id: int) -> str:
    return f"user_{user_id:07d}"


def email(user_id: int) -> str:
    return f"{username(user_id)}@bench.example"


def accounts(users: int) -> tuple[list[str], list[str], list[str], list[str]]:
    """Users 1 to ``users``: their usernames, canonical usernames, e-mail addresses and
    canonical e-mail addresses, the canonical forms computed as the application does."""
    names = [username(user_id) for user_id in range(1, users + 1)]
    emails = [email(user_id) for user_id in range(1, users + 1)]
    return (
        names,
        [canonical_username(name) for name in names],
        emails,
        [canonical_email(address) for address in emails],
    )


@dataclass(frozen=True, slots=True)
class Cohorts:
    """The users whose tokens drive the load (chosen with a fixed seed)."""

    readers: list[int]  # odd ids: do not follow the big account
    deep_readers: list[int]  # for page 50: the readers themselves when their feeds are long
    big_followers: list[int]  # even ids: follow the big account


def cohorts(size: Size) -> Cohorts:
    chooser = random.Random(COHORT_SEED)  # noqa: S311  # reproducible, not secret
    if 2 * size.big_followers > size.users or (size.users - 1) // 2 < 2 * size.readers:
        raise ValueError(f"size {size.name}: too few users for the cohorts")
    odd = list(range(3, size.users + 1, 2))
    even = list(range(2, 2 * size.big_followers + 1, 2))
    picked = chooser.sample(odd, 2 * size.readers)
    readers = sorted(picked[: size.readers])
    deep = sorted(picked[size.readers :]) if size.deep_followees else readers
    return Cohorts(
        readers=readers, deep_readers=deep, big_followers=sorted(chooser.sample(even, size.readers))
    )


def password_hash() -> str:
    """One real argon2id hash of :data:`PASSWORD`, with the application's parameters."""
    return _hasher().hash(PASSWORD)


def _hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=OWASP_TIME_COST,
        memory_cost=OWASP_MEMORY_KIB,
        parallelism=OWASP_PARALLELISM,
        type=Type.ID,
    )


def argon2_verify_seconds(hashed: str, rounds: int = 21) -> list[float]:
    """Wall time of ``rounds`` verifications of the right password, one after another."""
    hasher = _hasher()
    times: list[float] = []
    for _ in range(rounds):
        start = time.perf_counter()
        hasher.verify(hashed, PASSWORD)
        times.append(time.perf_counter() - start)
    return times
