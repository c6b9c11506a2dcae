"""``python -m bench.run --replica``: what a streaming read replica does for Chirp's reads, and
how far it lags behind the primary under the write scenarios.

On a throwaway PostgreSQL 15 primary and a ``pg_basebackup -R`` streaming replica of it
(``synchronous_commit`` on), loaded with the dataset, two ``chirp serve --workers 2`` run side
by side: one with ``CHIRP_READ_REPLICA_URLS`` naming the replica, one on the primary alone.
Each read scenario (readers who do not write, so what they read may lag) runs on both, with
the same warm-up and timed run (which of the two goes first alternates from one scenario to
the next); the transactions per request each PostgreSQL server counted during the timed run
(``pg_stat_database``, up to ~1 s late) show where the reads went. ``GET /me`` never reads a
replica: its ratio is the noise between two runs. Then the write scenarios run through the
server with the replica while :mod:`bench.replica_lag` samples the replica's lag (during the
load and its derived work).

The two servers, both PostgreSQL servers and wrk share the machine's cores: on a small
machine a replica moves work, it adds no cores.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import loadgen, report
from bench.database_reads import fetchval
from bench.deployment import Deployment
from bench.loadgen import Measurement
from bench.measurements import Measurements
from bench.processes import log
from bench.replica_lag import Lag, LagLog, LagProbe, LagSampler
from bench.scenarios import Scenario, Scenarios

# The read scenarios, in the order they run; every one of them but CONTROL_KEY may read
# from the replica.
READ_KEYS = (
    "me",
    "feed_page1",
    "feed_page50",
    "feed_big_follower",
    "user_tweets",
    *report.REPLICA_ONLY_LABELS,
)
CONTROL_KEY = "me"
LABELS = {**report.LABELS, **report.REPLICA_ONLY_LABELS}
IDLE_SECONDS = 1.0  # of lag samples with no load: the method's floor
CATCH_UP_SECONDS = 300.0  # for the replica to replay the bulk load
ANONYMOUS_ROWS = 10_000  # tweet ids the anonymous tweet reads pick from
# Reads that may lag but of which less than this share ran on the replica: said in the notes.
ROUTED_SHARE_EXPECTED = 0.5
_TRANSACTIONS = "SELECT sum(xact_commit + xact_rollback)::bigint FROM pg_stat_database"


def _div(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


@dataclass(frozen=True, slots=True)
class Transactions:
    """Database transactions per request of a timed run, as each server counted them (with
    what the servers do in the background: probes, the queue, counters)."""

    primary: float
    replica: float

    @classmethod
    def of(cls, before: tuple[int, int], after: tuple[int, int], requests: int) -> Transactions:
        """From (primary, replica) readings of their counters around ``requests``."""
        per = max(requests, 1)
        return cls((after[0] - before[0]) / per, (after[1] - before[1]) / per)

    @property
    def replica_share(self) -> float | None:
        total = self.primary + self.replica
        return None if total <= 0 else self.replica / total

    def __str__(self) -> str:
        return f"{self.primary:.2f} + {self.replica:.2f}"

    def as_json(self) -> dict[str, float]:
        return {"primary": round(self.primary, 3), "replica": round(self.replica, 3)}


@dataclass(frozen=True, slots=True)
class ReadPair:
    """One read scenario on chirp alone on the primary and on chirp with the replica."""

    key: str
    alone: Measurement
    routed: Measurement
    alone_transactions: Transactions
    routed_transactions: Transactions

    @property
    def rps_ratio(self) -> float | None:
        return _div(self.routed.rps, self.alone.rps)

    @property
    def p99_ratio(self) -> float | None:
        return _div(self.routed.p99_ms, self.alone.p99_ms)

    def as_json(self) -> dict[str, Any]:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 3)

        return {
            "label": LABELS[self.key],
            "may_read_the_replica": self.key != CONTROL_KEY,
            "primary_alone": self.alone.as_json(),
            "with_replica": self.routed.as_json(),
            "rps_ratio": rounded(self.rps_ratio),
            "p99_ratio": rounded(self.p99_ratio),
            "transactions_per_request": {
                "primary_alone": self.alone_transactions.as_json(),
                "with_replica": self.routed_transactions.as_json(),
            },
        }


def geometric_mean(values: list[float]) -> float | None:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


async def caught_up(primary_url: str, replica_url: str, within_seconds: float) -> float:
    """Waits until the replica has replayed what the primary has flushed now; the seconds
    it took."""
    probe = await LagProbe.connect(primary_url, replica_url)
    try:
        started = time.perf_counter()
        position, _ = await probe.primary_position()
        seconds, _ = await probe.wait_replayed(position, started, within_seconds)
    finally:
        await probe.close()
    if seconds is None:
        raise RuntimeError(f"the replica did not catch up within {within_seconds:.0f} s")
    return seconds


class ReplicaBench:
    """The ``--replica`` measurements on ``deployment``, whose ``app`` reads from the replica
    at ``replica_url`` and whose ``primary_only`` does not."""

    def __init__(self, deployment: Deployment, replica_url: str, pg_bin: Path) -> None:
        self.deployment = deployment
        self.plan = deployment.plan
        self.replica_url = replica_url
        self.measurements = Measurements(deployment, pg_bin)
        self.reads: list[ReadPair] = []
        self.idle: Lag | None = None
        self.lags: dict[str, LagLog] = {}

    def run(self, scenarios: Scenarios) -> None:
        everything = {s.key: s for s in [*scenarios.all, *self._anonymous_scenarios()]}
        for key in READ_KEYS:
            if key in self.plan.only:
                # Which of the two runs goes first alternates: a drift of the machine (other
                # work starting or ending) favours neither side of every ratio.
                routed_first = len(self.reads) % 2 == 0
                with self.deployment.phases.timed(f"{key}_pair"):
                    self.reads.append(self._pair(everything[key], routed_first))
        writes = [s for s in scenarios.all if s.writes and s.key in self.plan.only]
        if not writes:
            return
        sampler = LagSampler(self.deployment.url, self.replica_url)
        sampler.start()
        time.sleep(IDLE_SECONDS)
        self.idle = sampler.stop().summary()
        log(f"replica lag with no load (the method's floor): {_lag_line(self.idle)}")
        for scenario in writes:
            sampler = LagSampler(self.deployment.url, self.replica_url)
            sampler.start()
            try:
                self.measurements.run_one(scenario, scenarios.writes)
            finally:
                self.lags[scenario.key] = sampler.stop()
            log(f"  {scenario.key}: replica lag {_lag_line(self.lags[scenario.key].summary())}")

    def all_writes(self) -> Lag | None:
        if not self.lags:
            return None
        merged = LagLog()
        for lags in self.lags.values():
            merged.extend(lags)
        return merged.summary()

    def _anonymous_scenarios(self) -> list[Scenario]:
        size = self.plan.size
        files = self.deployment.workdir / "replica-files"
        files.mkdir(exist_ok=True)
        stride = max(1, size.tweets // ANONYMOUS_ROWS)
        tweets = files / "tweet-ids.tsv"
        tweets.write_text("".join(f"{i}\n" for i in range(1, size.tweets + 1, stride)))
        users = files / "usernames.tsv"
        users.write_text("".join(f"user_{i:07d}\n" for i in range(1, size.users + 1)))
        app = self.deployment.app.url
        return [
            Scenario("tweet_anonymous", app, "public_page.lua", [str(tweets), "/api/v1/tweets/"]),
            Scenario(
                "user_tweets_anonymous",
                app,
                "public_page.lua",
                [str(users), "/api/v1/users/", "/tweets"],
            ),
        ]

    def _pair(self, scenario: Scenario, routed_first: bool) -> ReadPair:
        alone_url = self.deployment.primary_only.url
        runs = [
            (dataclasses.replace(scenario, url=alone_url), "primary alone"),
            (scenario, "with the replica"),
        ]
        measured = {
            where: self._counted(run, where) for run, where in runs[:: -1 if routed_first else 1]
        }
        (alone, alone_transactions), (routed, routed_transactions) = (
            measured["primary alone"],
            measured["with the replica"],
        )
        return ReadPair(scenario.key, alone, routed, alone_transactions, routed_transactions)

    def _counted(self, scenario: Scenario, where: str) -> tuple[Measurement, Transactions]:
        """The warm-up, then the timed run with the transactions counted around it."""
        name, settings = f"{scenario.key} ({where})", self.plan.wrk
        if settings.warmup_seconds > 0:
            warmup = dataclasses.replace(
                settings, warmup_seconds=0, seconds=settings.warmup_seconds
            )
            args = scenario.warmup_args or scenario.args
            loadgen.wrk(f"{name}, warm-up", scenario.url, scenario.script, args, warmup)
        timed = dataclasses.replace(settings, warmup_seconds=0)
        before = self._transactions()
        result = loadgen.wrk(name, scenario.url, scenario.script, scenario.args, timed)
        transactions = Transactions.of(before, self._transactions(), result.requests)
        log(f"    database transactions per request, primary + replica: {transactions}")
        return result, transactions

    def _transactions(self) -> tuple[int, int]:
        """Transactions counted so far by the primary and the replica, all databases."""
        return (
            int(asyncio.run(fetchval(self.deployment.url, _TRANSACTIONS))),
            int(asyncio.run(fetchval(self.replica_url, _TRANSACTIONS))),
        )

    def notes(self) -> list[str]:
        found = self.measurements.notes()
        for pair in self.reads:
            share = pair.routed_transactions.replica_share
            if pair.key != CONTROL_KEY and (share is None or share < ROUTED_SHARE_EXPECTED):
                found.append(
                    f"{pair.key}: only {_share(share)} of the database transactions of the run "
                    "with the replica were on the replica"
                )
        for key, lags in [("idle", None), *self.lags.items()]:
            errors = (self.idle.errors if self.idle else []) if lags is None else lags.errors
            found += [f"replica lag sampler ({key}): {error}" for error in errors[:3]]
        try:
            routed_log = self.deployment.app.log_path.read_text(errors="replace")
        except OSError:
            routed_log = ""
        left_out = routed_log.count(" left out")
        if left_out:
            found.append(
                f"chirp with the replica logged {left_out} times that it left the replica out "
                "(behind the primary at a probe, or a failed read): those reads ran on the primary"
            )
        tail = self.deployment.primary_only.log_tail(4000)
        if "Traceback" in tail or "ERROR" in tail:
            found.append("the primary-alone chirp's log shows errors; its tail: " + tail[-800:])
        return found


def _ms(value: float | None) -> str:
    return "n/a" if value is None else "never" if math.isinf(value) else f"{value:,.1f}"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _lag_line(lag: Lag) -> str:
    return (
        f"{lag.samples} samples, p50 {_ms(lag.p50_ms)} ms, p99 {_ms(lag.p99_ms)} ms, "
        f"max {_ms(lag.max_ms)} ms" + (f", {lag.unreached} never reached" if lag.unreached else "")
    )


def reads_markdown(size: str, pairs: list[ReadPair]) -> str:
    lines = [
        f"### Chirp with a read replica, size {size}: the read scenarios",
        "",
        "| endpoint | alone: req/s | alone: p99 (ms) | with replica: req/s "
        "| with replica: p99 (ms) | req/s ratio | p99 ratio "
        "| transactions per request, alone | with replica | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for pair in pairs:
        label = LABELS[pair.key] + (" (control: never on a replica)" * (pair.key == CONTROL_KEY))
        errors = pair.alone.error_count + pair.routed.error_count
        lines.append(
            f"| {label} | {pair.alone.rps:,.0f} | {pair.alone.p99_ms:.2f} "
            f"| {pair.routed.rps:,.0f} | {pair.routed.p99_ms:.2f} | {_ratio(pair.rps_ratio)} "
            f"| {_ratio(pair.p99_ratio)} | {pair.alone_transactions} "
            f"| {pair.routed_transactions} | {errors} |"
        )
    routed = [p.rps_ratio for p in pairs if p.key != CONTROL_KEY and p.rps_ratio]
    mean = geometric_mean(routed)
    if mean is not None:
        lines += [
            "",
            f"req/s with the replica ÷ alone, geometric mean of the {len(routed)} reads that "
            f"may lag: {mean:.2f}. Ratios are with-replica ÷ primary-alone. Transactions per "
            "request: primary + replica, as pg_stat_database counted them during the timed run "
            "(up to ~1 s late, background work included).",
        ]
    return "\n".join(lines)


def lag_markdown(
    idle: Lag | None, lags: dict[str, LagLog], writes: dict[str, Measurement], overall: Lag | None
) -> str:
    lines = [
        "### Replica lag under the write scenarios",
        "",
        "| load | req/s | samples | p50 (ms) | p99 (ms) | max (ms) | never reached "
        "| replay_lag p50 / p99 (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]

    def row(label: str, rps: str, lag: Lag) -> str:
        replay = f"{_ms(lag.replay_lag_p50_ms)} / {_ms(lag.replay_lag_p99_ms)}"
        return (
            f"| {label} | {rps} | {lag.samples:,} | {_ms(lag.p50_ms)} | {_ms(lag.p99_ms)} "
            f"| {_ms(lag.max_ms)} | {lag.unreached} | {replay} |"
        )

    if idle is not None:
        lines.append(row("no load (the method's floor)", "-", idle))
    for key, samples in lags.items():
        entry = writes.get(key)
        lines.append(
            row(LABELS[key], "-" if entry is None else f"{entry.rps:,.0f}", samples.summary())
        )
    if overall is not None:
        lines.append(row("**all write scenarios**", "-", overall))
    lines += [
        "",
        "Lag: from just before the primary's flushed WAL position is read to the replica's "
        "answer showing it replayed, a sample every 10 ms (upper bound: it includes a round "
        "trip to each server, see the floor). replay_lag: pg_stat_replication's, sampled at "
        "the same moments (non-NULL values only), for comparison.",
    ]
    return "\n".join(lines)
