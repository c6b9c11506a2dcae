"""Benchmark Chirp end to end: ``python -m bench.run --size S`` (or ``make bench``).

Starts a throwaway PostgreSQL 15 and ``chirp serve --workers 2`` on it, loads a
deterministic dataset in bulk SQL, mints tokens over HTTP, drives each endpoint with
``wrk`` (64 connections, warm-up then a timed run), runs the feed's SQL with ``pgbench``,
then prints Markdown tables and writes ``bench/results/<date>-<size>.json``. Everything it
starts is stopped at the end, on errors and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import os
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url
from tests.integration.postgres_server import postgres_binaries, throwaway_cluster

from application.pagination import encode_cursor
from bench import bulk_load, cpu, database_reads, dataset, loadgen, report
from bench.dataset import PAGE_SIZE, PASSWORD, Size
from bench.feed_sql import home_feed_sql, pick_one_of
from bench.loadgen import Measurement, WrkSettings
from bench.processes import HOST, Server, expect, free_port, log, output_of, pinned, run
from bench.processes import request_json as http

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "chirp_bench"
# A server sized like a real one: with the tests' 128 MB, size L's hot pages (~0.5 GB) would
# be copied in from the OS cache on every feed. A --database-url server wants the same.
POSTGRES_SETTINGS = {"shared_buffers": "1GB", "max_wal_size": "8GB"}
SERVER_WORKERS = 2
ADMIN = ("benchadmin", "benchadmin@bench.example", "Bench-admin-pass-9137")
ACCESS_TTL = 86_400
SETTINGS_CACHE_SECONDS = 2.5  # every worker re-reads the settings within 2 s
LOGIN_THREADS = 4
ARGON2_ROUNDS = 21
# Refresh tokens are used up by rotation: each wrk run gets a fresh pool this much larger
# than the connection count.
REFRESH_SPARE = 32
# Database size per timeline entry, all tables and indexes included (measured: 112).
BYTES_PER_ENTRY = 115


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--size", choices=sorted(dataset.SIZES), default="S")
    parser.add_argument("--quick", action="store_true", help="warm-up 2 s, timed runs 5 s")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="no warm-up, 1 s runs, nothing saved: checks that the harness works",
    )
    parser.add_argument("--warmup", type=int, help="warm-up seconds (default 3)")
    parser.add_argument("--duration", type=int, help="timed seconds (default 10)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--server-cpus",
        default="auto",
        help="taskset CPU list for the servers, 'none' to leave them unpinned, or 'auto' "
        "(pinned away from wrk when at least 4 cores, else unpinned)",
    )
    parser.add_argument(
        "--wrk-cpus",
        default="auto",
        help="taskset CPU list for wrk and pgbench, 'none', or 'auto' (the last core)",
    )
    parser.add_argument(
        "--only",
        help="comma-separated scenario keys to run (default: all): " + ",".join(report.LABELS),
    )
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results")
    parser.add_argument(
        "--database-url",
        help="an existing PostgreSQL database (postgresql+asyncpg://...) instead of a "
        "throwaway one; the dataset is loaded only if it is empty, so a loaded size L "
        "database can be measured again without reloading",
    )
    return parser


@dataclass(frozen=True, slots=True)
class Plan:
    size: Size
    wrk: WrkSettings
    server_cpus: str | None
    server_cores: int
    only: frozenset[str]
    save: bool
    mode: str
    database_url: str | None = None


def _cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _cpus_in(cpu_list: str) -> int:
    count = 0
    for part in cpu_list.split(","):
        first, _, last = part.partition("-")
        count += int(last or first) - int(first) + 1
    return count


def _plan(args: argparse.Namespace) -> Plan:
    cores = _cpu_count()
    if args.smoke:
        warmup, seconds, mode = 0, 1, "smoke"
    elif args.quick:
        warmup, seconds, mode = 2, 5, "quick"
    else:
        warmup, seconds, mode = 3, 10, "full"
    warmup = args.warmup if args.warmup is not None else warmup
    seconds = args.duration if args.duration is not None else seconds
    if args.wrk_cpus == "auto":
        wrk_cpus = str(cores - 1) if cores >= 2 else None
    else:
        wrk_cpus = None if args.wrk_cpus == "none" else args.wrk_cpus
    if args.server_cpus == "auto":
        # With 2 or 3 cores, one core cannot carry 2 workers and PostgreSQL: leave them free.
        server_cpus = f"0-{cores - 2}" if cores >= 4 else None
    else:
        server_cpus = None if args.server_cpus == "none" else args.server_cpus
    only = frozenset(args.only.split(",")) if args.only else frozenset(report.LABELS)
    unknown = only - set(report.LABELS)
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    return Plan(
        size=dataset.SIZES[args.size],
        wrk=WrkSettings(args.connections, warmup, seconds, wrk_cpus),
        server_cpus=server_cpus,
        server_cores=_cpus_in(server_cpus) if server_cpus else cores,
        only=only,
        save=not (args.no_save or args.smoke),
        mode=mode,
        database_url=args.database_url,
    )


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


class Tokens:
    """Logs users in over HTTP, a few at a time."""

    def __init__(self, base_url: str) -> None:
        self._url = base_url + "/api/v1/auth/login"

    def login(self, name: str, password: str = PASSWORD) -> dict[str, Any]:
        status, body = http("POST", self._url, {"username": name, "password": password})
        pair: dict[str, Any] = expect(status, body, 200, f"login of {name}")
        return pair

    def many(self, user_ids: Sequence[int]) -> list[dict[str, Any]]:
        with ThreadPoolExecutor(LOGIN_THREADS) as pool:
            return list(pool.map(self.login, [dataset.username(i) for i in user_ids]))


def _write_rows(path: Path, rows: Sequence[Sequence[object]]) -> str:
    path.write_text("".join("\t".join(str(field) for field in row) + "\n" for row in rows))
    return str(path)


def _walk_to_page(base_url: str, token: str, page: int) -> str | None:
    """The cursor of page ``page``, by following ``next_cursor`` from page 1 (limit 20)."""
    cursor: str | None = None
    for number in range(1, page):
        query = f"?limit={PAGE_SIZE}" + (f"&cursor={cursor}" if cursor else "")
        status, body = http("GET", f"{base_url}/api/v1/feed{query}", token=token)
        cursor = expect(status, body, 200, f"feed page {number}")["next_cursor"]
        if cursor is None:
            return None
    return cursor


def _server_address(url: str) -> tuple[str, str]:
    """Host (or Unix socket directory) and port of a PostgreSQL URL, as pgbench takes them."""
    parts = make_url(url)
    host = parts.host or str(parts.query.get("host") or HOST)
    return host, str(parts.port or parts.query.get("port") or 5432)


async def _fetchval(url: str, sql: str, *args: object) -> Any:
    connection = await asyncpg.connect(database_reads.asyncpg_dsn(url))
    try:
        return await connection.fetchval(sql, *args)
    finally:
        await connection.close()


def _versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for package in ("litestar", "granian", "sqlalchemy", "asyncpg", "argon2-cffi"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found[package] = importlib.metadata.version(package)
    return found


@dataclass(frozen=True, slots=True)
class Scenario:
    key: str
    url: str
    script: str
    args: list[str]
    warmup_args: list[str] | None = None


class Harness:
    """One run: the processes it started (on ``stack``) and what it measured."""

    def __init__(self, plan: Plan, pg_bin: Path, stack: contextlib.ExitStack, workdir: Path):
        self.plan = plan
        self.size = plan.size
        self.pg_bin = pg_bin
        self.stack = stack
        self.workdir = workdir
        self.phases: dict[str, float] = {}
        self.results: dict[str, Measurement] = {}
        self.argon2: dict[str, Any] = {}
        self.dataset: dict[str, Any] = {}
        self.pg_version = ""
        self.page50_readers = ""
        self.url = ""
        self.env: dict[str, str] = {}
        self.app: Server | None = None
        self.hello: Server | None = None
        self.hashed = ""
        self._chirp = str(Path(sys.executable).parent / "chirp")
        self.meter = cpu.CpuMeter(self._server_pids) if cpu.available() else None

    def _server_pids(self) -> list[int]:
        return [pid for server in (self.app, self.hello) if server and (pid := server.pid)]

    def _timed(self, name: str) -> Callable[[], None]:
        start = time.perf_counter()

        def finish() -> None:
            self.phases[name] = round(time.perf_counter() - start, 2)

        return finish

    def start_database(self) -> None:
        """A throwaway PostgreSQL, migrated by ``chirp db upgrade``, loaded, with an admin."""
        done = self._timed("hash_password")
        self.hashed = dataset.password_hash()
        done()
        done = self._timed("postgres_start")
        # Chirp and pgbench reach a local server as a local deployment would: through its
        # Unix socket (TCP on loopback cost each round trip ~8% more of a worker's CPU).
        self.url = self.plan.database_url or (
            self.stack.enter_context(throwaway_cluster(DATABASE, POSTGRES_SETTINGS)).socket_url
        )
        done()
        self.pg_version = str(asyncio.run(_fetchval(self.url, "SHOW server_version")))
        host, port = _server_address(self.url)
        log(f"PostgreSQL {self.pg_version} at {host}, port {port}")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CHIRP_")}
        self.env |= {
            "CHIRP_DATABASE_URL": self.url,
            "CHIRP_JWT_SECRET": secrets.token_urlsafe(48),
            "CHIRP_MEDIA_DIR": str(self.workdir / "media"),
            "CHIRP_DATA_DIR": str(self.workdir / "data"),
        }
        done = self._timed("migrate")
        run([self._chirp, "db", "upgrade"], env=self.env, cwd=self.workdir, timeout=300)
        done()
        username, email, password = ADMIN
        if asyncio.run(_fetchval(self.url, database_reads.EXISTING_ROWS)):
            self.dataset = asyncio.run(database_reads.counts(self.url, self.size))
            log(f"reusing the loaded database: {self.dataset}")
            return
        log(f"loading size {self.size.name} ...")
        done = self._timed("load")
        self.dataset = asyncio.run(bulk_load.load(self.url, self.size, self.hashed))
        done()
        log(f"loaded in {self.phases['load']:.1f} s: {self.dataset}")
        run(
            [
                self._chirp,
                "createsuperuser",
                "--username",
                username,
                "--email",
                email,
                "--password-stdin",
            ],
            env=self.env,
            cwd=self.workdir,
            stdin=password + "\n",
            timeout=120,
        )

    def _server(
        self, name: str, command: list[str], port: int, env: dict[str, str], cwd: Path
    ) -> Server:
        server = Server(
            name,
            pinned(command, self.plan.server_cpus),
            port=port,
            env=env,
            cwd=cwd,
            log_path=self.workdir / f"{name}.log",
        )
        self.stack.callback(server.stop)
        server.start()
        return server

    def start_servers(self) -> None:
        """``chirp serve`` and the hello app, with the same Granian settings and CPUs."""
        done = self._timed("servers_start")
        workers = ["--workers", str(SERVER_WORKERS)]
        port = free_port()
        self.app = self._server(
            "chirp",
            [self._chirp, "serve", "--host", HOST, "--port", str(port), *workers],
            port,
            self.env,
            self.workdir,
        )
        port = free_port()
        self.hello = self._server(
            "hello",
            [
                sys.executable,
                "-m",
                "bench.hello_app",
                "--host",
                HOST,
                "--port",
                str(port),
                *workers,
            ],
            port,
            {**os.environ, "PYTHONPATH": str(ROOT)},
            ROOT,
        )
        self.app.wait_ready("/health")
        self.hello.wait_ready("/hello")
        done()
        log(f"chirp on {self.app.url}, hello on {self.hello.url}")

    def prepare_load(self) -> list[Scenario]:
        """Day-long tokens, page-50 cursors and the data files of the Lua scripts."""
        if self.app is None or self.hello is None:
            raise RuntimeError("start the servers first")
        app_url = self.app.url
        done = self._timed("tokens")
        tokens = Tokens(app_url)
        admin = tokens.login(ADMIN[0], ADMIN[2])["access_token"]
        status, body = http(
            "PATCH",
            app_url + "/api/v1/admin/settings",
            {"access_token_ttl_seconds": ACCESS_TTL},
            token=admin,
        )
        expect(status, body, 200, "PATCH /admin/settings")
        time.sleep(SETTINGS_CACHE_SECONDS)
        cohorts = dataset.cohorts(self.size)
        readers = tokens.many(cohorts.readers)
        if readers[0]["expires_in"] != ACCESS_TTL:
            raise RuntimeError(f"access tokens live {readers[0]['expires_in']} s, not a day")
        big = tokens.many(cohorts.big_followers)
        keys = asyncio.run(database_reads.page_cursors(self.url, cohorts.deep_readers))
        deep_ids = [user for user in cohorts.deep_readers if user in keys]
        if not deep_ids:
            raise RuntimeError(f"no reader's feed reaches page {dataset.DEEP_PAGE}")
        pairs = dict(zip(cohorts.readers, readers, strict=True))
        missing = [user for user in deep_ids if user not in pairs]
        pairs |= dict(zip(missing, tokens.many(missing), strict=True))
        page50 = [(pairs[user]["access_token"], encode_cursor(keys[user])) for user in deep_ids]
        spare = self.plan.wrk.connections + REFRESH_SPARE
        users = [cohorts.readers[i % len(cohorts.readers)] for i in range(2 * spare)]
        refresh = [pair["refresh_token"] for pair in tokens.many(users)]
        done()
        log(f"tokens ready in {self.phases['tokens']:.1f} s")

        # The SQL-computed cursor must be the one a client gets by paging.
        walked = _walk_to_page(app_url, page50[0][0], dataset.DEEP_PAGE)
        if walked != page50[0][1]:
            raise RuntimeError(f"page 50 cursor: SQL gives {page50[0][1]}, paging {walked}")
        status, body = http("GET", f"{app_url}/api/v1/feed?cursor={walked}", token=page50[0][0])
        if len(expect(status, body, 200, "feed page 50")["items"]) != PAGE_SIZE:
            raise RuntimeError("feed page 50 is not a full page")
        short = len(cohorts.deep_readers) - len(deep_ids)
        self.page50_readers = (
            f"{len(deep_ids)} of the page-1 readers"
            if not self.size.deep_followees
            else f"{len(deep_ids)} other readers, following {self.size.deep_followees} accounts "
            f"each (the page-1 readers' feeds are shorter than {dataset.DEEP_PAGE} pages)"
        ) + (f"; {short} left out, their feeds being shorter" if short else "")

        files = self.workdir / "data-files"
        files.mkdir()
        reader_file = _write_rows(files / "readers.tsv", [[p["access_token"]] for p in readers])
        page50_file = _write_rows(files / "page50.tsv", page50)
        big_file = _write_rows(files / "big.tsv", [[p["access_token"]] for p in big])
        names = [[dataset.username(i)] for i in range(1, self.size.users + 1)]
        names_file = _write_rows(files / "usernames.tsv", names)
        refresh_warm = _write_rows(files / "refresh-1.tsv", [[t] for t in refresh[:spare]])
        refresh_timed = _write_rows(files / "refresh-2.tsv", [[t] for t in refresh[spare:]])
        return [
            Scenario("hello", self.hello.url + "/hello", "hello.lua", []),
            Scenario("me", app_url, "me.lua", [reader_file]),
            Scenario("feed_page1", app_url, "feed.lua", [reader_file]),
            Scenario("feed_page50", app_url, "feed.lua", [page50_file]),
            Scenario("feed_big_follower", app_url, "feed.lua", [big_file]),
            Scenario("user_tweets", app_url, "user_tweets.lua", [reader_file, names_file]),
            Scenario("post_tweet", app_url, "post_tweet.lua", [reader_file]),
            Scenario("like", app_url, "like.lua", [reader_file, str(self.size.tweets)]),
            Scenario("login", app_url, "login.lua", [names_file, PASSWORD]),
            Scenario("refresh", app_url, "refresh.lua", [refresh_timed], [refresh_warm]),
        ]

    def run_pgbench(self) -> None:
        """The feed's page-1 statement, straight to PostgreSQL, at the same concurrency."""
        sql = home_feed_sql(PAGE_SIZE + 1)
        probe = sql.replace(":reader", "$1")
        rows = asyncio.run(_fetchval(self.url, f"SELECT count(*) FROM ({probe}) AS page", 3))  # noqa: S608
        if not rows:
            raise RuntimeError("the feed SQL returns no rows")
        parts = make_url(self.url)
        host, port = _server_address(self.url)
        done = self._timed("pgbench_feed")
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
            pick_one_of("reader", dataset.cohorts(self.size).readers),
            self.plan.wrk,
            self.workdir,
            self.meter,
        )
        done()

    def measure_argon2(self) -> None:
        """One argon2id verify, timed here and now (the servers idle)."""
        seconds = dataset.argon2_verify_seconds(self.hashed, ARGON2_ROUNDS)
        median = statistics.median(seconds)
        self.argon2 = {
            "verify_ms_median": round(median * 1000, 2),
            "verify_ms_min": round(min(seconds) * 1000, 2),
            "rounds": ARGON2_ROUNDS,
            "cores": self.plan.server_cores,
            "login_ceiling_rps": round(self.plan.server_cores / median, 1),
        }
        log(f"  argon2id verify: {self.argon2['verify_ms_median']} ms (median)")

    def run_scenarios(self, scenarios: Sequence[Scenario]) -> None:
        only = self.plan.only
        for scenario in scenarios:
            if scenario.key == "post_tweet" and "pgbench_feed" in only:
                self.run_pgbench()  # before the writes: on the data the readers saw
            if scenario.key == "login":
                self.measure_argon2()
            if scenario.key not in only:
                continue
            done = self._timed(scenario.key)
            self.results[scenario.key] = loadgen.wrk(
                scenario.key,
                scenario.url,
                scenario.script,
                scenario.args,
                self.plan.wrk,
                scenario.warmup_args,
                self.meter,
            )
            done()
        if "feed_page50" in self.results:
            self.results["feed_page50"].extra["readers"] = self.page50_readers

    def notes(self) -> list[str]:
        found = [
            f"{key}: {entry.error_count} errors, statuses {entry.statuses}, "
            f"first error body: {entry.first_error}"
            for key, entry in self.results.items()
            if entry.error_count
        ]
        if self.app is not None:
            tail = self.app.log_tail(4000)
            if "Traceback" in tail or "ERROR" in tail:
                found.append("chirp's log shows errors; its tail: " + tail[-800:])
        return found


def _raise_on_sigterm(signum: int, frame: FrameType | None) -> None:
    del frame
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    plan = _plan(args)
    pg_bin = _check_tools()
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    started_at = datetime.now(UTC)
    wall = time.perf_counter()
    log(
        f"size {plan.size.name}, {plan.mode} run: {plan.wrk.connections} connections, warm-up "
        f"{plan.wrk.warmup_seconds} s, timed {plan.wrk.seconds} s; wrk on CPUs "
        f"{plan.wrk.cpus or 'any'}, servers on {plan.server_cpus or 'any'} "
        f"({_cpu_count()} cores)"
    )
    _warn_if_large(plan.size)
    workdir = Path(tempfile.mkdtemp(prefix="chirp-bench-"))
    try:
        with contextlib.ExitStack() as stack:
            harness = Harness(plan, pg_bin, stack, workdir)
            harness.start_database()
            harness.start_servers()
            harness.run_scenarios(harness.prepare_load())
            notes = harness.notes()
        # Everything the harness started has been stopped here, in reverse order.
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
    other = report.newest_result(other_size)
    argon2 = harness.argon2
    ratio_list = report.ratios(
        plan.size.name,
        harness.results,
        argon2.get("login_ceiling_rps"),
        f"{argon2.get('cores')} cores ÷ {argon2.get('verify_ms_median')} ms" if argon2 else "",
        other,
    )
    document = {
        "schema": 1,
        "size": plan.size.name,
        "date": started_at.astimezone().date().isoformat(),
        "started_at": started_at.isoformat(),
        "wall_seconds": round(wall_seconds, 1),
        "mode": plan.mode,
        "settings": {
            "connections": plan.wrk.connections,
            "wrk_threads": 1,
            "warmup_seconds": plan.wrk.warmup_seconds,
            "seconds": plan.wrk.seconds,
            "wrk_cpus": plan.wrk.cpus,
            "server_cpus": plan.server_cpus,
            "server_workers": SERVER_WORKERS,
            "lua_seed": loadgen.LUA_SEED,
            "page50_readers": harness.page50_readers,
        },
        "machine": report.machine(
            {
                "postgresql": harness.pg_version,
                "wrk": output_of([loadgen.WRK, "-v"]),
                "packages": _versions(),
                "git_commit": output_of(["git", "-C", str(ROOT), "rev-parse", "HEAD"]),
            }
        ),
        "dataset": harness.dataset,
        "argon2": argon2,
        "results": {key: entry.as_json() for key, entry in harness.results.items()},
        "ratios": [ratio.as_json() for ratio in ratio_list],
        "phases_seconds": harness.phases,
        "notes": notes,
    }
    print()
    print(report.markdown(plan.size.name, harness.results, ratio_list))
    print()
    cpu_table = report.cpu_markdown(harness.results, _cpu_count())
    if cpu_table:
        print(f"CPU µs per request, by part ({_cpu_count()} cores in all):\n\n{cpu_table}\n")
    for note in notes:
        print(f"- {note}")
    if plan.save:
        report.write(path, document)
        log(f"wrote {path.relative_to(ROOT)}")
    log(f"total wall time {wall_seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
