"""A bounded mixed load on a real ``chirp serve`` for the fault tests: requests at a fixed
rate from a few concurrent clients, each outcome kept (what was sent, when, what came back),
so a test can check every answer against what the service was going through at that moment.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.api import API, Account

# The status of each operation's success.
SUCCESS = {
    "tweet": 201,
    "like": 200,
    "feed": 200,
    "me": 200,
    "public": 200,
    "login": 200,
    "ready": 200,
}


@dataclass
class Outcome:
    """One request of the load: what was sent, when (seconds since the load began), and
    what came back (``error`` when no response did)."""

    op: str
    account: Account
    started: float
    ended: float = 0.0
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = ""
    body: Any = None
    text: str = ""
    error: str | None = None
    marker: str | None = None  # a posted tweet's text
    tweet_id: int | None = None  # the tweet posted or liked

    @property
    def ok(self) -> bool:
        return self.status == SUCCESS[self.op]

    @property
    def duration(self) -> float:
        return self.ended - self.started

    def __repr__(self) -> str:
        what = self.error or f"{self.status} {self.text[:200]}"
        return f"<{self.op} at {self.started:.2f}s for {self.duration:.2f}s: {what}>"


async def follow_in_a_ring_and_post(
    http: httpx.AsyncClient, accounts: Sequence[Account]
) -> list[int]:
    """Each account follows the next (so every post has a fan-out to do) and posts a tweet;
    the tweets' ids."""
    ring = [*accounts[1:], accounts[0]]
    for account, followee in zip(accounts, ring, strict=True):
        response = await http.post(f"{API}/users/{followee.username}/follow", headers=account.auth)
        assert response.status_code == 204, response.text
    tweets = []
    for account in accounts:
        response = await http.post(f"{API}/tweets", json={"text": "seed"}, headers=account.auth)
        assert response.status_code == 201, response.text
        tweets.append(response.json()["id"])
    return tweets


async def send(http: httpx.AsyncClient, outcome: Outcome, tweets: list[int]) -> None:
    """Make ``outcome``'s request and record its answer; a posted tweet joins ``tweets``
    (what the later likes and public reads pick from)."""
    auth = outcome.account.auth
    match outcome.op:
        case "tweet":
            outcome.marker = f"load-{uuid.uuid4().hex}"
            call = http.post(f"{API}/tweets", json={"text": outcome.marker}, headers=auth)
        case "like":
            outcome.tweet_id = random.choice(tweets)
            call = http.post(f"{API}/tweets/{outcome.tweet_id}/like", headers=auth)
        case "feed":
            call = http.get(f"{API}/feed", params={"limit": 5}, headers=auth)
        case "me":
            call = http.get(f"{API}/me", headers=auth)
        case "public":
            call = http.get(f"{API}/tweets/{random.choice(tweets)}")
        case "login":
            body = {"username": outcome.account.username, "password": outcome.account.password}
            call = http.post(f"{API}/auth/login", json=body)
        case "ready":
            call = http.get("/health/ready")
        case _:
            raise AssertionError(outcome.op)
    response = await call
    outcome.status = response.status_code
    outcome.headers = dict(response.headers)
    outcome.content_type = response.headers.get("content-type", "").split(";")[0].strip()
    outcome.text = response.text
    if outcome.content_type.endswith("json"):
        outcome.body = response.json()
    if outcome.op == "tweet" and outcome.status == 201:
        outcome.tweet_id = outcome.body["id"]
        tweets.append(outcome.tweet_id)


@dataclass(frozen=True)
class Load:
    """``rate`` requests a second over ``clients`` concurrent clients, cycling through
    ``mix`` and the accounts; no request may take longer than ``request_bound`` seconds."""

    mix: tuple[str, ...]
    rate: float
    clients: int
    request_bound: float

    async def run(
        self,
        url: str,
        accounts: Sequence[Account],
        tweets: Sequence[int],
        until: Callable[[], float],
        clock: Callable[[], float],
    ) -> list[Outcome]:
        """Every outcome, until ``until()`` seconds (re-read as it goes) have passed on
        ``clock``."""
        outcomes: list[Outcome] = []
        pickable = list(tweets)
        sequence = itertools.count()
        limits = httpx.Limits(max_connections=self.clients, max_keepalive_connections=self.clients)

        async def client(http: httpx.AsyncClient) -> None:
            for index in sequence:
                due = index / self.rate
                if due >= until():
                    return
                await asyncio.sleep(max(0.0, due - clock()))
                account = accounts[index % len(accounts)]
                outcome = Outcome(self.mix[index % len(self.mix)], account, clock())
                outcomes.append(outcome)
                try:
                    await send(http, outcome, pickable)
                except httpx.HTTPError as error:
                    outcome.error = f"{type(error).__name__}: {error}"
                outcome.ended = clock()

        async with httpx.AsyncClient(
            base_url=url, timeout=self.request_bound, limits=limits
        ) as http:
            await asyncio.gather(*(client(http) for _ in range(self.clients)))
        return outcomes
