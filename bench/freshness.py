"""Feed freshness under load: how long after a post's 201 a follower's feed shows it.

A probe thread posts as one author, then reads a follower's feed page 1 until the new
tweet's id is on it, and posts again; it runs beside a wrk load and stops with it.
:class:`FreshnessLog` keeps the bookkeeping (pure, unit-tested); :class:`FreshnessProbe`
does the HTTP.
"""

from __future__ import annotations

import http.client
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bench.loadgen import percentile

POLL_SECONDS = 0.02  # between two reads of the follower's feed
# A tweet not in the feed this long after its 201 is given up on (and counted as unseen).
GIVE_UP_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Freshness:
    """What the probe measured: delays from a post's 201 to its first sighting, in ms. A
    post never seen counts as infinitely stale (``math.inf``); None: no post at all."""

    posts: int
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    unseen: int  # posts not seen within GIVE_UP_SECONDS
    poll_ms: float  # the resolution of a delay: one feed read apart
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def finite(value: float | None) -> float | None:
            return None if value is None or math.isinf(value) else value

        return {
            "posts": self.posts,
            "p50_ms": finite(self.p50_ms),
            "p99_ms": finite(self.p99_ms),
            "max_ms": finite(self.max_ms),
            "unseen": self.unseen,
            "poll_ms": self.poll_ms,
            "errors": self.errors[:5],
        }


class FreshnessLog:
    """Posts acknowledged and their first sightings in the follower's feed."""

    def __init__(self) -> None:
        self._acknowledged: dict[int, float] = {}
        self._delays: dict[int, float] = {}

    def acknowledged(self, tweet_id: int, at: float) -> None:
        """The post's 201 arrived at ``at`` (seconds, any monotonic clock)."""
        if tweet_id in self._acknowledged:
            raise ValueError(f"tweet {tweet_id} acknowledged twice")
        self._acknowledged[tweet_id] = at

    def feed_read(self, tweet_ids: set[int], at: float) -> None:
        """A feed page read at ``at`` (when its response arrived) held ``tweet_ids``; the
        first read showing a post dates its sighting."""
        for tweet_id in tweet_ids:
            posted = self._acknowledged.get(tweet_id)
            if posted is not None and tweet_id not in self._delays:
                self._delays[tweet_id] = max(0.0, at - posted)

    def seen(self, tweet_id: int) -> bool:
        return tweet_id in self._delays

    def summary(self, poll_seconds: float, errors: list[str] | None = None) -> Freshness:
        delays_ms = [self._delays[tweet_id] * 1000 for tweet_id in self._delays]
        unseen = len(self._acknowledged) - len(self._delays)
        delays_ms += [math.inf] * unseen

        def rounded(value: float) -> float:
            return value if math.isinf(value) else round(value, 2)

        return Freshness(
            posts=len(delays_ms),
            p50_ms=rounded(percentile(delays_ms, 0.5)) if delays_ms else None,
            p99_ms=rounded(percentile(delays_ms, 0.99)) if delays_ms else None,
            max_ms=rounded(max(delays_ms)) if delays_ms else None,
            unseen=unseen,
            poll_ms=poll_seconds * 1000,
            errors=list(errors or []),
        )


class _Client:
    """One keep-alive HTTP connection to the app, JSON in and out."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None or parts.port is None:
            raise ValueError(f"not an http://host:port URL: {base_url}")
        self._connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)

    def send(self, method: str, path: str, token: str, body: object = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = "application/json"
        self._connection.request(method, path, body=data, headers=headers)
        response = self._connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None

    def close(self) -> None:
        self._connection.close()


class FreshnessProbe:
    """Posts as ``author_token`` and watches the feed of ``reader_token`` (who follows the
    author) in a thread, from ``start()`` until ``stop()``."""

    def __init__(
        self,
        base_url: str,
        author_token: str,
        reader_token: str,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._url = base_url
        self._author = author_token
        self._reader = reader_token
        self._clock = clock
        self._log = FreshnessLog()
        self._errors: list[str] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="freshness-probe", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> Freshness:
        """Stops posting; the last post is still watched for (up to GIVE_UP_SECONDS)."""
        self._stopping.set()
        self._thread.join(GIVE_UP_SECONDS + 30)
        return self._log.summary(POLL_SECONDS, self._errors)

    def _run(self) -> None:
        client = _Client(self._url)
        try:
            number = 0
            while not self._stopping.is_set():
                number += 1
                status, body = client.send(
                    "POST", "/api/v1/tweets", self._author, {"text": f"Freshness probe {number}"}
                )
                if status != 201:
                    self._errors.append(f"POST /tweets: {status} {body}")
                    self._stopping.wait(POLL_SECONDS)
                    continue
                tweet_id = int(body["id"])
                self._log.acknowledged(tweet_id, self._clock())
                self._watch(client, tweet_id)
        except (OSError, ValueError, http.client.HTTPException) as error:
            self._errors.append(f"probe stopped: {error!r}")
        finally:
            client.close()

    def _watch(self, client: _Client, tweet_id: int) -> None:
        deadline = self._clock() + GIVE_UP_SECONDS
        while self._clock() < deadline:
            status, body = client.send("GET", "/api/v1/feed", self._reader)
            if status != 200:
                self._errors.append(f"GET /feed: {status} {body}")
            else:
                self._log.feed_read({int(item["id"]) for item in body["items"]}, self._clock())
                if self._log.seen(tweet_id):
                    return
            time.sleep(POLL_SECONDS)
