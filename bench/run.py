"""Benchmark Chirp end to end: ``python -m bench.run --size S`` (or ``make bench``).

Starts a throwaway PostgreSQL 15 and ``chirp serve --workers 2`` on it, loads a
deterministic dataset in bulk SQL, mints tokens over HTTP, drives each endpoint with
``wrk`` (64 connections, warm-up then a timed run), runs the feed's SQL with ``pgbench``,
then prints Markdown tables and writes ``bench/results/<date>-<size>.json``. Everything it
starts is stopped at the end, on errors and on Ctrl-C.

With ``--replica`` it measures a read replica instead (:mod:`bench.replica`) and writes
``bench/results/<date>-<size>-replica.json``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.metadata
import os
import shutil
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from bench import conversations, dataset, loadgen, replica, replica_lag, report, scenarios
from bench.dataset import PAGE_SIZE, Size
from bench.deployment import DATABASE, POSTGRES_SETTINGS, ROOT, SERVER_WORKERS, Deployment
from bench.measurements import Measurements
from bench.phases import Phases
from bench.plan import Plan, cpu_count, parser, plan_of
from bench.processes import log, output_of
from devservers.postgres import (
    postgres_binaries,
    throwaway_cluster,
    throwaway_replicated_cluster,
)

# Database size per timeline entry, all tables and indexes included (measured: 112).
BYTES_PER_ENTRY = 115


def _check_tools() -> Path:
    bin_dir = postgres_binaries()
    if bin_dir is None or not (bin_dir / "pgbench").exists():
        raise SystemExit("bench: needs the PostgreSQL 15 binaries (incl. pgbench)")
    for tool in (loadgen.WRK, "/usr/bin/taskset"):
        if not os.access(tool, os.X_OK):
            raise SystemExit(f"bench: needs {tool}")
    return bin_dir


def _warn_if_large(size: Size) -> None:
    entries = size.expected_timeline_entries()
    if entries < 10_000_000:
        return
    free = shutil.disk_usage(tempfile.gettempdir()).free
    log(
        f"WARNING: size {size.name} writes about {entries:,} timeline_entries rows (fan-out on "
        f"write: {size.tweets:,} tweets x ~{size.followees} followers each, plus the big "
        f"account's {size.tweets // size.big_stride:,} tweets x {size.big_followers:,}). "
        f"Expect roughly {entries * BYTES_PER_ENTRY / 1e9:.0f} GB in {tempfile.gettempdir()} "
        f"({free / 1e9:.0f} GB free) and a long load (estimated 10-20 minutes on 2 cores)."
    )


def _versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for package in ("litestar", "granian", "sqlalchemy", "asyncpg", "argon2-cffi"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found[package] = importlib.metadata.version(package)
    return found


def _raise_on_sigterm(signum: int, frame: FrameType | None) -> None:
    del frame
    raise KeyboardInterrupt(f"signal {signum}")


def _measure(
    plan: Plan, pg_bin: Path, workdir: Path, phases: Phases
) -> tuple[Measurements, list[str]]:
    """Start everything, run the load, and stop everything again (also on errors)."""
    with contextlib.ExitStack() as stack:
        deployment = Deployment(plan, stack, workdir, phases)
        with phases.timed("postgres_start"):
            # Chirp and pgbench reach a local server as a local deployment would: through its
            # Unix socket (TCP on loopback cost each round trip ~8% more of a worker's CPU).
            url = plan.database_url or (
                stack.enter_context(throwaway_cluster(DATABASE, POSTGRES_SETTINGS)).socket_url
            )
        deployment.prepare_database(url)
        deployment.start_servers()
        measurements = Measurements(deployment, pg_bin)
        measurements.run(scenarios.prepare(deployment))
        notes = measurements.notes()  # before chirp stops: its log is read
    # Everything started has been stopped here, in reverse order.
    return measurements, notes


def _measure_replica(
    plan: Plan, pg_bin: Path, workdir: Path, phases: Phases
) -> tuple[replica.ReplicaBench, list[str]]:
    """``--replica``: a primary and a streaming replica, chirp with and without it."""
    with contextlib.ExitStack() as stack:
        deployment = Deployment(plan, stack, workdir, phases)
        with phases.timed("postgres_start"):
            cluster = stack.enter_context(throwaway_replicated_cluster(DATABASE, POSTGRES_SETTINGS))
        primary_url, replica_url = cluster.primary.socket_url, cluster.replica.socket_url
        deployment.prepare_database(primary_url)
        with phases.timed("replica_catch_up"):
            seconds = asyncio.run(
                replica.caught_up(primary_url, replica_url, replica.CATCH_UP_SECONDS)
            )
        log(f"the replica replayed the load {seconds:.1f} s after it ended")
        deployment.start_replicated_servers(replica_url)
        bench = replica.ReplicaBench(deployment, replica_url, pg_bin)
        bench.run(scenarios.prepare(deployment))
        notes = bench.notes()  # before chirp stops: its log is read
    return bench, notes


def _header(
    plan: Plan,
    started_at: datetime,
    wall_seconds: float,
    deployment: Deployment,
    *,
    kind: str | None = None,
    **settings: Any,
) -> dict[str, Any]:
    """What every results file starts with: the run, its settings (plus ``settings``), the
    machine and the dataset."""
    header: dict[str, Any] = {"schema": 1}
    if kind is not None:
        header["kind"] = kind
    return {
        **header,
        "size": plan.size.name,
        "date": started_at.astimezone().date().isoformat(),
        "started_at": started_at.isoformat(),
        "wall_seconds": round(wall_seconds, 1),
        "mode": plan.mode,
        "settings": {
            "connections": plan.wrk.connections,
            "warmup_seconds": plan.wrk.warmup_seconds,
            "seconds": plan.wrk.seconds,
            "wrk_cpus": plan.wrk.cpus,
            "server_cpus": plan.server_cpus,
            "server_workers": SERVER_WORKERS,
            "lua_seed": loadgen.LUA_SEED,
            **settings,
        },
        "machine": report.machine(
            {
                "postgresql": deployment.pg_version,
                "wrk": output_of([loadgen.WRK, "-v"]),
                "packages": _versions(),
                "git_commit": output_of(["git", "-C", str(ROOT), "rev-parse", "HEAD"]),
            }
        ),
        "dataset": deployment.dataset,
    }


def _replica_document(
    plan: Plan,
    started_at: datetime,
    wall_seconds: float,
    bench: replica.ReplicaBench,
    notes: list[str],
) -> dict[str, Any]:
    deployment = bench.deployment
    overall = bench.all_writes()
    measurements = bench.measurements
    return {
        **_header(
            plan,
            started_at,
            wall_seconds,
            deployment,
            kind="replica",
            lag_sample_seconds=replica_lag.SAMPLE_SECONDS,
        ),
        "reads": {pair.key: pair.as_json() for pair in bench.reads},
        "replica_lag": {
            "idle": bench.idle.as_json() if bench.idle else None,
            **{key: lags.summary().as_json() for key, lags in bench.lags.items()},
            "all_writes": overall.as_json() if overall else None,
        },
        "writes": {key: entry.as_json() for key, entry in measurements.results.items()},
        "queue_drain_seconds": {
            key: round(drain.seconds, 3) for key, drain in measurements.drains.items()
        },
        "feed_freshness": measurements.freshness.as_json() if measurements.freshness else None,
        "phases_seconds": deployment.phases.seconds,
        "notes": notes,
    }


def _measure_conversations(
    plan: Plan, workdir: Path, phases: Phases
) -> tuple[dict[str, loadgen.Measurement], dict[str, Any]]:
    """``--conversations``: the dataset plus threads, hashtags, search words and reposts;
    the reads in rounds, the feed of the readers with reposts beside that of those
    without."""
    with contextlib.ExitStack() as stack:
        deployment = Deployment(plan, stack, workdir, phases)
        with phases.timed("postgres_start"):
            url = plan.database_url or (
                stack.enter_context(throwaway_cluster(DATABASE, POSTGRES_SETTINGS)).socket_url
            )
        deployment.prepare_database(url)
        with phases.timed("load_conversations"):
            data = conversations.load_sync(deployment.url, plan.size)
        deployment.start_servers()
        # Before the reposts: preparing checks the feed's page 50 against the entries.
        feed = next(s for s in scenarios.prepare(deployment).all if s.key == "feed_page1")
        readers = dataset.cohorts(plan.size).readers
        with_reposts, without = conversations.feed_cohorts(readers)
        with phases.timed("load_reposts"):
            data.counts |= asyncio.run(
                conversations.load_reposts(deployment.url, plan.size, spared=without)
            )
        shares = {
            name: round(
                asyncio.run(
                    conversations.reposts_on_first_pages(deployment.url, cohort, PAGE_SIZE)
                ),
                3,
            )
            for name, cohort in (("with", with_reposts), ("without", without))
        }
        log(f"conversations loaded: {data.counts}; reposts on first feed pages: {shares}")
        files = workdir / "conversation-files"
        files.mkdir()
        runs = conversations.public_reads(deployment.app.url, data, files, plan.wrk)
        tokens = Path(feed.args[0]).read_text().splitlines(keepends=True)
        for key, part in (
            ("feed_with_reposts", tokens[::2]),
            ("feed_without_reposts", tokens[1::2]),
        ):
            (files / f"{key}.tsv").write_text("".join(part))
            args = [str(files / f"{key}.tsv")]
            runs[key] = functools.partial(loadgen.wrk, key, feed.url, feed.script, args, plan.wrk)
        results = conversations.in_rounds(runs)
        extra = {
            "dataset": {**deployment.dataset, **data.counts},
            "reposts_on_first_pages": shares,
            "rounds": conversations.ROUNDS,
            "phases_seconds": phases.seconds,
        }
    return results, extra


def _conversations_main(plan: Plan) -> int:
    started_at = datetime.now(UTC)
    wall = time.perf_counter()
    log(
        f"size {plan.size.name}, {plan.mode} run of the conversation reads: "
        f"{plan.wrk.connections} connections ({cpu_count()} cores)"
    )
    workdir = Path(tempfile.mkdtemp(prefix="chirp-bench-"))
    try:
        results, extra = _measure_conversations(plan, workdir, Phases())
    except KeyboardInterrupt:
        log("interrupted: everything the harness started has been stopped")
        return 130
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    found = conversations.ratios(results)
    print()
    print(conversations.markdown(results, found))
    print()
    if plan.save:
        date = started_at.astimezone().date().isoformat()
        path = report.RESULTS_DIR / f"{date}-{plan.size.name}-conversations.json"
        document = {
            "schema": 1,
            "kind": "conversations",
            "size": plan.size.name,
            "started_at": started_at.isoformat(),
            "wall_seconds": round(time.perf_counter() - wall, 1),
            "mode": plan.mode,
            "connections": plan.wrk.connections,
            "machine": report.machine({}),
            **extra,
            "reads": {key: result.as_json() for key, result in results.items()},
            "ratios": found,
        }
        report.write(path, document)
        log(f"wrote {path.relative_to(ROOT)}")
    return 0


def _replica_main(plan: Plan, pg_bin: Path) -> int:
    started_at = datetime.now(UTC)
    wall = time.perf_counter()
    log(
        f"size {plan.size.name}, {plan.mode} run with a read replica: {plan.wrk.connections} "
        f"connections, warm-up {plan.wrk.warmup_seconds} s, timed {plan.wrk.seconds} s "
        f"({cpu_count()} cores)"
    )
    workdir = Path(tempfile.mkdtemp(prefix="chirp-bench-"))
    try:
        bench, notes = _measure_replica(plan, pg_bin, workdir, Phases())
    except KeyboardInterrupt:
        log("interrupted: everything the harness started has been stopped")
        return 130
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    wall_seconds = time.perf_counter() - wall
    measurements = bench.measurements
    print()
    if bench.reads:
        print(replica.reads_markdown(plan.size.name, bench.reads) + "\n")
    if bench.lags:
        print(
            replica.lag_markdown(bench.idle, bench.lags, measurements.results, bench.all_writes())
            + "\n"
        )
    writes_table = report.writes_markdown(measurements.drains, measurements.freshness, {})
    if writes_table:
        print(f"{writes_table}\n")
    for note in notes:
        print(f"- {note}")
    if plan.save:
        date = started_at.astimezone().date().isoformat()
        path = report.RESULTS_DIR / f"{date}-{plan.size.name}-replica.json"
        report.write(path, _replica_document(plan, started_at, wall_seconds, bench, notes))
        log(f"wrote {path.relative_to(ROOT)}")
    log(f"total wall time {wall_seconds:.0f} s")
    return 0


def _document(
    plan: Plan,
    started_at: datetime,
    wall_seconds: float,
    measurements: Measurements,
    ratio_list: list[report.Ratio],
    notes: list[str],
) -> dict[str, Any]:
    """The results file's content."""
    deployment = measurements.deployment
    return {
        **_header(
            plan,
            started_at,
            wall_seconds,
            deployment,
            wrk_threads=1,
            page50_readers=measurements.page50_readers,
        ),
        "argon2": measurements.argon2,
        "results": {key: entry.as_json() for key, entry in measurements.results.items()},
        "ratios": [ratio.as_json() for ratio in ratio_list],
        "writes": {
            "queue_drain": {
                key: {
                    "seconds": round(drain.seconds, 3),
                    "queue_tables": list(drain.tables),
                    "pending_at_start": drain.pending_at_start,
                    "drained": drain.drained,
                }
                for key, drain in measurements.drains.items()
            },
            "feed_freshness": measurements.freshness.as_json() if measurements.freshness else None,
            "fan_out": {key: run.as_json() for key, run in measurements.fan_out.items()},
        },
        "phases_seconds": deployment.phases.seconds,
        "notes": notes,
    }


def main(argv: list[str] | None = None) -> int:
    plan = plan_of(parser(__doc__).parse_args(argv))
    pg_bin = _check_tools()
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    if plan.replica:
        return _replica_main(plan, pg_bin)
    if plan.conversations:
        return _conversations_main(plan)
    started_at = datetime.now(UTC)
    wall = time.perf_counter()
    log(
        f"size {plan.size.name}, {plan.mode} run: {plan.wrk.connections} connections, warm-up "
        f"{plan.wrk.warmup_seconds} s, timed {plan.wrk.seconds} s; wrk on CPUs "
        f"{plan.wrk.cpus or 'any'}, servers on {plan.server_cpus or 'any'} "
        f"({cpu_count()} cores)"
    )
    _warn_if_large(plan.size)
    workdir = Path(tempfile.mkdtemp(prefix="chirp-bench-"))
    try:
        measurements, notes = _measure(plan, pg_bin, workdir, Phases())
    except KeyboardInterrupt:
        log("interrupted: everything the harness started has been stopped")
        return 130
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    wall_seconds = time.perf_counter() - wall

    path = (
        report.RESULTS_DIR / f"{started_at.astimezone().date().isoformat()}-{plan.size.name}.json"
    )
    other_size = "L" if plan.size.name == "S" else "S"
    argon2 = measurements.argon2
    ratio_list = report.ratios(
        plan.size.name,
        measurements.results,
        argon2.get("login_ceiling_rps"),
        f"{argon2.get('cores')} cores ÷ {argon2.get('verify_ms_median')} ms" if argon2 else "",
        report.newest_result(other_size),
    ) + report.write_ratios(
        measurements.results, measurements.drains, measurements.freshness, measurements.fan_out
    )
    print()
    print(report.markdown(plan.size.name, measurements.results, ratio_list))
    print()
    writes_table = report.writes_markdown(
        measurements.drains, measurements.freshness, measurements.fan_out
    )
    if writes_table:
        print(f"{writes_table}\n")
    cpu_table = report.cpu_markdown(measurements.results, cpu_count())
    if cpu_table:
        print(f"CPU µs per request, by part ({cpu_count()} cores in all):\n\n{cpu_table}\n")
    for note in notes:
        print(f"- {note}")
    if plan.save:
        document = _document(plan, started_at, wall_seconds, measurements, ratio_list, notes)
        report.write(path, document)
        log(f"wrote {path.relative_to(ROOT)}")
    log(f"total wall time {wall_seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
