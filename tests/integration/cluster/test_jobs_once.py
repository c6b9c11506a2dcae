"""Jobs done once: a burst of follows, posts and likes through both ``chirp serve``
processes, derived by two ``chirp worker`` processes taking jobs from one queue, ends with
every count equal to its rows, every feed holding each of its tweets once, and each job
picked and completed once (pgqueuer's log, and the jobs the workers' /metrics count)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import API, Account
from tests.support.cluster import Cluster
from tests.support.metrics import scrape

SETTLES_WITHIN = 15.0  # seconds, for the whole burst's derived work on 2 shared cores
FOLLOWED = 3  # each user follows the next three
POSTS = 3  # each user posts three tweets
DONE = "chirp_jobs_done_total"


async def unsettled(primary: AsyncEngine) -> int:
    """Jobs due or running, and count changes not folded yet."""
    async with primary.connect() as connection:
        due = await connection.execute(
            text(
                "SELECT count(*) FROM pgqueuer WHERE status = 'picked' "
                "OR (status = 'queued' AND execute_after <= now())"
            )
        )
        changes = await connection.execute(text("SELECT count(*) FROM count_changes"))
        return int(due.scalar_one()) + int(changes.scalar_one())


async def settle(primary: AsyncEngine) -> float:
    """Waits (polling) until the workers have done everything due: how long it took."""
    start = time.monotonic()
    while await unsettled(primary):
        assert time.monotonic() - start < SETTLES_WITHIN, "the workers did not finish"
        await asyncio.sleep(0.05)
    return time.monotonic() - start


async def jobs_done(cluster: Cluster) -> list[float]:
    """What each worker's /metrics counts as jobs done, over every kind."""
    totals = []
    for worker in cluster.workers:
        async with httpx.AsyncClient(base_url=worker.metrics_url, timeout=5) as http:
            samples = await scrape(http)
        totals.append(sum(value for (name, _), value in samples.items() if name == DONE))
    return totals


async def job_log_since(primary: AsyncEngine, after: int) -> dict[int, Counter[str]]:
    """Each job's logged statuses (queued, picked, successful, exception...), for the jobs
    logged after the log entry ``after``."""
    async with primary.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT job_id, status::text FROM pgqueuer_log WHERE job_id IN "
                "(SELECT job_id FROM pgqueuer_log WHERE id > :after)"
            ),
            {"after": after},
        )
        log: dict[int, Counter[str]] = {}
        for job_id, status in rows:
            log.setdefault(job_id, Counter())[status] += 1
        return log


async def last_log_entry(primary: AsyncEngine) -> int:
    async with primary.connect() as connection:
        found = await connection.execute(text("SELECT coalesce(max(id), 0) FROM pgqueuer_log"))
        return int(found.scalar_one())


async def test_a_burst_through_both_instances_is_derived_once_by_both_workers(
    cluster: Cluster,
    first: httpx.AsyncClient,
    second: httpx.AsyncClient,
    primary: AsyncEngine,
    names: list[str],
) -> None:
    users = await insert_users(primary, *names)
    instances = (first, second)
    followees = {
        user.username: [users[(i + step) % len(users)] for step in range(1, FOLLOWED + 1)]
        for i, user in enumerate(users)
    }
    await settle(primary)  # what earlier tests left
    log_before = await last_log_entry(primary)
    done_before = await jobs_done(cluster)

    async def follow(n: int, who: Account, whom: Account) -> None:
        response = await instances[n % 2].post(
            f"{API}/users/{whom.username}/follow", headers=who.auth
        )
        assert response.status_code == 204, response.text

    async def post(n: int, author: Account) -> tuple[str, int]:
        response = await instances[n % 2].post(
            f"{API}/tweets", json={"text": f"burst {n}"}, headers=author.auth
        )
        assert response.status_code == 201, response.text
        return author.username, response.json()["id"]

    async def like(n: int, who: Account, tweet_id: int) -> None:
        response = await instances[n % 2].post(f"{API}/tweets/{tweet_id}/like", headers=who.auth)
        assert response.status_code == 200, response.text

    follows = [
        follow(n, user, whom)
        for n, (user, whom) in enumerate(
            (user, whom) for user in users for whom in followees[user.username]
        )
    ]
    posts = [post(n, user) for n, user in enumerate(users * POSTS)]
    *_, posted = await asyncio.gather(asyncio.gather(*follows), asyncio.gather(*posts))
    tweets_of: dict[str, list[int]] = {user.username: [] for user in users}
    for author, tweet_id in posted:
        tweets_of[author].append(tweet_id)
    likes = [
        (user, tweet_id)
        for user in users
        for whom in followees[user.username]
        for tweet_id in tweets_of[whom.username]
    ]
    await asyncio.gather(*(like(n, user, tweet_id) for n, (user, tweet_id) in enumerate(likes)))
    await settle(primary)

    log = await job_log_since(primary, log_before)
    done_after = await jobs_done(cluster)
    assert log, "the burst queued no job"
    once = Counter({"queued": 1, "picked": 1, "successful": 1})
    assert {job: statuses for job, statuses in log.items() if statuses != once} == {}
    assert sum(done_after) - sum(done_before) == len(log)

    for n, user in enumerate(users):
        either = instances[n % 2]
        feed = await either.get(f"{API}/feed", params={"limit": 100}, headers=user.auth)
        ids = [item["id"] for item in feed.json()["items"]]
        expected = [
            t for whom in (user, *followees[user.username]) for t in tweets_of[whom.username]
        ]
        assert sorted(ids) == sorted(expected)  # each of them, once
        profile = (await either.get(f"{API}/users/{user.username}")).json()
        counts = (profile["followers_count"], profile["following_count"], profile["tweets_count"])
        assert counts == (FOLLOWED, FOLLOWED, POSTS)
        for tweet_id in tweets_of[user.username]:
            tweet = (await either.get(f"{API}/tweets/{tweet_id}")).json()
            assert tweet["like_count"] == FOLLOWED
