"""Runs the scenarios with wrk, the feed's SQL with pgbench and one argon2 verify, and keeps
what they measured."""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bench import cpu, database_reads, dataset, derived_work, fan_out, loadgen
from bench.dataset import PAGE_SIZE
from bench.deployment import DATABASE, Deployment, server_address
from bench.derived_work import Drain
from bench.fan_out import FanOutRun
from bench.feed_sql import home_feed_sql, pick_one_of
from bench.freshness import Freshness, FreshnessProbe
from bench.loadgen import Measurement
from bench.processes import log
from bench.scenarios import Scenario, Scenarios, WriteTokens
from bench.write_accounts import ACCOUNTS

ARGON2_ROUNDS = 21
DRAIN_TIMEOUT_SECONDS = 120.0
SETTLE_TIMEOUT_SECONDS = 300.0


class Measurements:
    """What one run measured, on ``deployment``."""

    def __init__(self, deployment: Deployment, pg_bin: Path) -> None:
        self.deployment = deployment
        self.plan = deployment.plan
        self.pg_bin = pg_bin
        self.results: dict[str, Measurement] = {}
        self.argon2: dict[str, Any] = {}
        self.page50_readers = ""
        self.drains: dict[str, Drain] = {}
        self.freshness: Freshness | None = None
        self.fan_out: dict[str, FanOutRun] = {}
        self.meter = cpu.CpuMeter(deployment.server_pids) if cpu.available() else None

    def run(self, scenarios: Scenarios) -> None:
        """The chosen scenarios in order; pgbench just before the first write, argon2 just
        before the logins."""
        only = self.plan.only
        self.page50_readers = scenarios.page50_readers
        for scenario in scenarios.all:
            if scenario.key == "post_tweet" and "pgbench_feed" in only:
                self._pgbench_feed()  # before the writes: on the data the readers saw
            if scenario.key == "login":
                self._argon2()
            if scenario.key == "write_small_author" and "fan_out" in only:
                self._fan_out(scenarios.writes)  # on an idle server, before the celebrity posts
            if scenario.key not in only:
                continue
            with self.deployment.phases.timed(scenario.key):
                self._wrk(scenario, scenarios.writes)
        if "feed_page50" in self.results:
            self.results["feed_page50"].extra["readers"] = self.page50_readers

    def run_one(self, scenario: Scenario, writes: WriteTokens) -> None:
        """One scenario, whatever ``only`` says (``--replica`` picks its own)."""
        with self.deployment.phases.timed(scenario.key):
            self._wrk(scenario, writes)

    def _wrk(self, scenario: Scenario, writes: WriteTokens) -> None:
        """One wrk run; for a write scenario, then the wait for its derived work."""
        settings = self.plan.wrk
        if scenario.timeout_seconds is not None:
            settings = dataclasses.replace(settings, timeout_seconds=scenario.timeout_seconds)
        if not scenario.warmup:
            settings = dataclasses.replace(settings, warmup_seconds=0)
        probe = (
            FreshnessProbe(self.deployment.app.url, writes.probe_author, writes.probe_reader)
            if scenario.probe
            else None
        )
        if probe is not None:
            probe.start()
        try:
            result = loadgen.wrk(
                scenario.key,
                scenario.url,
                scenario.script,
                scenario.args,
                settings,
                scenario.warmup_args,
                self.meter,
            )
        finally:
            if probe is not None:
                self.freshness = probe.stop()
        self.results[scenario.key] = result
        if probe is not None:
            log(f"  feed freshness: {self.freshness}")
        if scenario.writes:
            drained = asyncio.run(derived_work.drain(self.deployment.url, DRAIN_TIMEOUT_SECONDS))
            self.drains[scenario.key] = drained
            log(f"  {scenario.key}: queue drain {drained.label}")
            settled = asyncio.run(derived_work.settle(self.deployment.url, SETTLE_TIMEOUT_SECONDS))
            if settled > 1:
                log(f"  requests still running after the load took {settled:.1f} s to finish")

    def _fan_out(self, writes: WriteTokens) -> None:
        """Timeline rows per second: one post by the celebrity through the application
        (fanned out whatever ``fanout_max_followers`` says), and PostgreSQL's own
        ``INSERT ... SELECT`` of its followers' rows."""
        app_url, url = self.deployment.app.url, self.deployment.url
        with self.deployment.phases.timed("fan_out"):
            database = asyncio.run(fan_out.database_fan_out(url, writes.celebrity_id))
            with fan_out.fanned_out_up_to(app_url, writes.admin, ACCOUNTS.celebrity_followers):
                app = asyncio.run(
                    fan_out.app_fan_out(app_url, writes.celebrity, writes.celebrity_id, url)
                )
                asyncio.run(derived_work.drain(url, DRAIN_TIMEOUT_SECONDS))
        self.fan_out = {"app": app, "database": database}

    def _pgbench_feed(self) -> None:
        """The feed's page-1 statement, straight to PostgreSQL, at the same concurrency."""
        url = self.deployment.url
        sql = home_feed_sql(PAGE_SIZE + 1)
        probe = sql.replace(":reader", "$1")
        count = f"SELECT count(*) FROM ({probe}) AS page"  # noqa: S608
        if not asyncio.run(database_reads.fetchval(url, count, 3)):
            raise RuntimeError("the feed SQL returns no rows")
        parts = make_url(url)
        host, port = server_address(url)
        with self.deployment.phases.timed("pgbench_feed"):
            self.results["pgbench_feed"] = loadgen.pgbench(
                "pgbench_feed",
                self.pg_bin / "pgbench",
                {
                    "host": host,
                    "port": port,
                    "user": parts.username or "postgres",
                    "dbname": parts.database or DATABASE,
                },
                sql,
                # The readers of wrk's feed runs: a feed's cost depends on whose it is.
                pick_one_of("reader", dataset.cohorts(self.plan.size).readers),
                self.plan.wrk,
                self.deployment.workdir,
                self.meter,
            )

    def _argon2(self) -> None:
        """One argon2id verify, timed here and now (the servers idle)."""
        seconds = dataset.argon2_verify_seconds(self.deployment.hashed_password, ARGON2_ROUNDS)
        median = statistics.median(seconds)
        self.argon2 = {
            "verify_ms_median": round(median * 1000, 2),
            "verify_ms_min": round(min(seconds) * 1000, 2),
            "rounds": ARGON2_ROUNDS,
            "cores": self.plan.server_cores,
            "login_ceiling_rps": round(self.plan.server_cores / median, 1),
        }
        log(f"  argon2id verify: {self.argon2['verify_ms_median']} ms (median)")

    def notes(self) -> list[str]:
        """What went wrong: scenarios with errors, and errors in chirp's log."""
        found = [
            f"{key}: {entry.error_count} errors, statuses {entry.statuses}, "
            f"first error body: {entry.first_error}"
            for key, entry in self.results.items()
            if entry.error_count
        ]
        tail = self.deployment.app.log_tail(4000)
        if "Traceback" in tail or "ERROR" in tail:
            found.append("chirp's log shows errors; its tail: " + tail[-800:])
        return found
