"""Failover: the PostgreSQL primary dies under a running ``chirp serve`` and its streaming
replica is promoted.

A synchronously replicated primary and replica of this module's own serve a real server
process configured with both hosts and ``target_session_attrs=read-write`` (so every new
connection finds whichever server accepts writes). Under a bounded mixed load of posts, likes,
feeds and public reads, the primary is killed (SIGKILL to the postmaster and its backends, as
a crashed machine), and after a pause with no primary the replica is promoted. The API must
answer 503 with ``Retry-After`` while there is no primary (never a 500), succeed again soon
after the promotion without being restarted, and keep every write it acknowledged, before
the kill and after the promotion; the job worker inside it must finish the derived work on
the new primary.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from adapters.sql.engine import create_engine
from devservers.postgres import ReplicatedPostgres, throwaway_replicated_cluster
from tests.support.accounts import insert_users
from tests.support.api import LEAK_MARKERS, PROBLEM_JSON, Account
from tests.support.chirp_process import ServedChirp, chirp_env, chirp_serve
from tests.support.jobs import assert_derived_work_done
from tests.support.mixed_load import Load, Outcome, follow_in_a_ring_and_post
from tests.support.postgres import replicated_cluster, require_postgres_binaries

API = "/api/v1"
RATE = 60.0  # requests per second, over all clients
CLIENTS = 6
HEALTHY_BEFORE = 2.0  # seconds of load before the primary is killed
NO_PRIMARY = 2.0  # seconds from the kill to the promotion
OBSERVED_AFTER = 4.0  # seconds of load after the promotion
RECOVERY_BOUND = 3.0  # the first success within this many seconds of the promotion
REQUEST_BOUND = 10.0  # no request may take longer
DERIVED_WITHIN = 20.0  # seconds for the worker to finish the derived work after the load
LOAD = Load(
    mix=("tweet", "feed", "like", "public", "me", "tweet", "ready", "feed"),
    rate=RATE,
    clients=CLIENTS,
    request_bound=REQUEST_BOUND,
)


@dataclass
class Service:
    served: ServedChirp
    accounts: list[Account]
    seed_tweets: list[int]

    def log(self) -> str:
        return self.served.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def cluster() -> Iterator[ReplicatedPostgres]:
    with replicated_cluster("chirp_failover", synchronous=True) as replicated:
        yield replicated


@pytest.fixture(scope="module")
def served(
    cluster: ReplicatedPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedChirp]:
    """``chirp serve`` (it applies the migrations first) given both servers' addresses."""
    root: Path = tmp_path_factory.mktemp("chirp-failover")
    env = chirp_env(root, cluster.read_write_url)
    with chirp_serve(env, root / "server.log") as process:
        yield process


@pytest.fixture(scope="module")
async def service(served: ServedChirp, cluster: ReplicatedPostgres) -> Service:
    """Users with tokens, each following the next (every post has a fan-out), a tweet each,
    its derived work done."""
    engine = create_engine(cluster.read_write_url)
    try:
        accounts = await insert_users(engine, *(f"failover_{i}" for i in range(CLIENTS)))
    finally:
        await engine.dispose()
    async with httpx.AsyncClient(base_url=served.url, timeout=5) as http:
        seed_tweets = await follow_in_a_ring_and_post(http, accounts)
    # The job worker inside chirp serve works on the primary to begin with.
    await assert_derived_work_done(cluster.primary.url, within=DERIVED_WITHIN)
    return Service(served, accounts, seed_tweets)


async def fail_over(
    cluster: ReplicatedPostgres, clock: Callable[[], float], times: dict[str, float]
) -> None:
    """Kill the primary ``HEALTHY_BEFORE`` seconds in; promote the replica ``NO_PRIMARY``
    seconds later."""
    await asyncio.sleep(HEALTHY_BEFORE)
    times["kill"] = clock()
    await asyncio.to_thread(cluster.primary.kill)
    times["killed"] = clock()
    await asyncio.sleep(NO_PRIMARY)
    times["promote"] = clock()
    await asyncio.to_thread(cluster.promote)
    times["promoted"] = clock()


async def assert_present(service: Service, tweets: list[Outcome], likes: list[Outcome]) -> None:
    """Each acknowledged tweet can be read with its text, each acknowledged like is there."""
    async with httpx.AsyncClient(base_url=service.served.url, timeout=REQUEST_BOUND) as http:
        for outcome in tweets:
            response = await http.get(f"{API}/tweets/{outcome.tweet_id}")
            assert response.status_code == 200, (outcome, response.text)
            assert response.json()["text"] == outcome.marker
        for outcome in likes:
            response = await http.get(
                f"{API}/tweets/{outcome.tweet_id}", headers=outcome.account.auth
            )
            assert response.status_code == 200, (outcome, response.text)
            assert response.json()["liked_by_me"] is True, outcome


async def test_the_replica_takes_over_from_a_killed_primary_without_a_restart(
    service: Service, cluster: ReplicatedPostgres
) -> None:
    times: dict[str, float] = {}
    begun = time.monotonic()

    def clock() -> float:
        return time.monotonic() - begun

    def until() -> float:
        # OBSERVED_AFTER seconds past the promotion (a bound if it never comes).
        return times.get("promoted", HEALTHY_BEFORE + NO_PRIMARY + 15) + OBSERVED_AFTER

    failover = asyncio.create_task(fail_over(cluster, clock, times))
    outcomes = await LOAD.run(
        service.served.url, service.accounts, service.seed_tweets, until, clock
    )
    await failover
    process = service.served.process

    # Every request answered in bounded time, by the same process throughout.
    assert process.poll() is None, service.log()[-4000:]
    failed = [o for o in outcomes if o.error is not None]
    assert not failed, failed[:10]
    slowest = max(outcomes, key=lambda o: o.ended - o.started)
    assert slowest.ended - slowest.started < REQUEST_BOUND, slowest

    # Success, or a 503 problem saying when to come back: never a 500 or another error.
    unexpected = [o for o in outcomes if not o.ok and o.status != 503]
    assert not unexpected, (Counter((o.op, o.status) for o in unexpected), unexpected[:5])
    unavailable = [o for o in outcomes if o.status == 503]
    for outcome in unavailable:
        assert outcome.headers.get("content-type", "").startswith(PROBLEM_JSON), outcome
        assert outcome.body["code"] == "service_unavailable", outcome
        assert int(outcome.headers["retry-after"]) > 0, outcome
        assert not any(marker in outcome.text for marker in LEAK_MARKERS), outcome

    # Before the kill all went well; with no primary, nothing that needs one did.
    assert all(o.ok for o in outcomes if o.ended < times["kill"])
    no_primary = [
        o for o in outcomes if times["killed"] <= o.started and o.ended < times["promote"]
    ]
    assert no_primary, times
    assert all(o.status == 503 for o in no_primary), [o for o in no_primary if o.ok][:5]

    # Back soon after the promotion, and for good, with no restart.
    after = [o for o in outcomes if o.started >= times["promoted"]]
    first_ok = next((o for o in sorted(after, key=lambda o: o.ended) if o.ok), None)
    assert first_ok is not None, after[:10]
    recovery = first_ok.ended - times["promoted"]
    assert recovery <= RECOVERY_BOUND, (recovery, after[:10])
    settled = [o for o in after if o.started >= times["promoted"] + RECOVERY_BOUND]
    assert settled
    assert all(o.ok for o in settled), [o for o in settled if not o.ok][:10]

    # Every acknowledged write, before the kill and after the promotion, is there.
    tweets = [o for o in outcomes if o.op == "tweet" and o.ok]
    likes = [o for o in outcomes if o.op == "like" and o.ok]
    assert any(o.ended < times["kill"] for o in tweets)
    assert any(o.started > times["promoted"] for o in tweets)
    await assert_present(service, tweets, likes)

    # The job worker inside chirp serve found the new primary and did the derived work.
    await assert_derived_work_done(cluster.replica.url, within=DERIVED_WITHIN)
    assert process.poll() is None
    log = service.log()
    assert "Traceback" not in log, log[-4000:]
    assert '"level": "ERROR"' not in log, log[-4000:]

    first_503 = min((o.ended for o in unavailable), default=times["kill"])
    last_503 = max((o.ended for o in unavailable), default=times["kill"])
    print(
        f"\nfailover: {len(outcomes)} requests in {clock():.1f} s, by status "
        f"{dict(Counter(o.status for o in outcomes))}; primary killed at {times['kill']:.2f} s, "
        f"replica promoted at {times['promote']:.2f}-{times['promoted']:.2f} s; 503s from "
        f"{first_503:.2f} s to {last_503:.2f} s ({last_503 - first_503:.2f} s); first "
        f"success {first_ok.ended - times['kill']:.2f} s after the kill, {recovery:.2f} s "
        f"after the promotion ({first_ok.op}); {len(tweets)} tweets and {len(likes)} likes "
        "acknowledged and found"
    )


HUNG_TIMEOUT = 1.0  # CHIRP_DB_CONNECT_TIMEOUT and CHIRP_DB_STATEMENT_TIMEOUT, seconds
HUNG_RECOVERY_BOUND = 10 * HUNG_TIMEOUT


async def test_a_primary_that_hangs_instead_of_dying_is_passed_over(tmp_path: Path) -> None:
    """The primary stops answering with its sockets open (a partition, a hung machine: every
    process SIGSTOPped) and the replica is promoted: a new connection that tries the hung
    host first gives up on it after the connect timeout and goes on to the next host, so
    writes succeed again, and the job worker does their derived work on the new primary."""
    require_postgres_binaries()
    timeouts = {
        "CHIRP_DB_CONNECT_TIMEOUT": str(HUNG_TIMEOUT),
        "CHIRP_DB_STATEMENT_TIMEOUT": str(HUNG_TIMEOUT),
        "CHIRP_DB_POOL_TIMEOUT": str(HUNG_TIMEOUT),
    }
    with (
        throwaway_replicated_cluster("chirp_hung", synchronous=True) as cluster,
        chirp_serve(
            chirp_env(tmp_path, cluster.read_write_url, **timeouts), tmp_path / "server.log"
        ) as served,
    ):
        engine = create_engine(cluster.read_write_url)
        try:
            author, follower = await insert_users(engine, "hung_author", "hung_follower")
        finally:
            await engine.dispose()
        async with httpx.AsyncClient(base_url=served.url, timeout=REQUEST_BOUND) as http:
            followed = await http.post(
                f"{API}/users/{author.username}/follow", headers=follower.auth
            )
            assert followed.status_code == 204, followed.text
            await assert_derived_work_done(cluster.primary.url, within=DERIVED_WITHIN)

            with cluster.primary.frozen():
                await asyncio.to_thread(cluster.promote)
                promoted = time.monotonic()
                statuses = []
                while True:
                    posted = await http.post(
                        f"{API}/tweets", json={"text": "after"}, headers=author.auth
                    )
                    statuses.append(posted.status_code)
                    if posted.status_code == 201:
                        break
                    assert posted.status_code == 503, posted.text
                    assert int(posted.headers["retry-after"]) > 0
                    assert time.monotonic() - promoted < HUNG_RECOVERY_BOUND, (
                        statuses,
                        served.log.read_text()[-3000:],
                    )
                recovered = time.monotonic() - promoted
                await assert_derived_work_done(cluster.replica.url, within=DERIVED_WITHIN)
                feed = await http.get(f"{API}/feed", headers=follower.auth)
                assert feed.status_code == 200, feed.text
                assert feed.json()["items"][0]["id"] == posted.json()["id"]
    print(
        f"\nhung primary: first write {recovered:.2f} s after the promotion, after "
        f"{len(statuses) - 1} 503s"
    )
