"""Throwaway PostgreSQL server for the integration tests and the benchmark.

``throwaway_postgres()`` initialises a cluster in a fresh temporary directory,
starts ``postgres`` on a free loopback port, creates the test database and
yields its SQLAlchemy URL; on exit the server is stopped and the directory is
removed.  ``throwaway_cluster()`` does the same but yields a ``ThrowawayPostgres``
that can also be stopped and started again on the same port and data directory
(for fault injection).  Only the standard library is used.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import time
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from devservers.local_server import LocalServer
from devservers.ports import HOST as _HOST

URL_ENV = "CHIRP_TEST_POSTGRES_URL"
BIN_ENV = "CHIRP_PG_BIN"
PREFERRED_VERSION = "15"

_PG_ROOT = Path("/usr/lib/postgresql")
_SUPERUSER = "postgres"
_STARTUP_TIMEOUT = 30.0
# Durability is pointless for a cluster that is deleted after the run.
_SERVER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "128MB",
}


def _has_server(bin_dir: Path) -> bool:
    return all(os.access(bin_dir / name, os.X_OK) for name in ("initdb", "postgres"))


def _version_key(bin_dir: Path) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in bin_dir.parent.name.split("."))
    except ValueError:
        return (-1,)


def postgres_binaries() -> Path | None:
    """Return the PostgreSQL bin directory (preferring 15), or None if absent.

    Looks at ``$CHIRP_PG_BIN`` (a bin directory or a binary inside one), then
    /usr/lib/postgresql/<version>/bin, then the directory of ``pg_ctl`` on PATH.
    """
    candidates: list[Path] = []
    override = os.environ.get(BIN_ENV)
    if override:
        path = Path(override)
        candidates.append(path if path.is_dir() else path.parent)
    candidates.append(_PG_ROOT / PREFERRED_VERSION / "bin")
    candidates.extend(sorted(_PG_ROOT.glob("*/bin"), key=_version_key, reverse=True))
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        # Debian-style symlinks in /usr/local/bin point into the real bin dir.
        candidates.append(Path(pg_ctl).resolve().parent)
    return next((c for c in candidates if _has_server(c)), None)


def _child_env() -> dict[str, str]:
    # PGHOST, PGOPTIONS, PGDATA ... from the caller must not leak into the
    # throwaway cluster or its client tools.
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


class _Server(LocalServer):
    """One cluster: its temporary directory, account and postmaster process."""

    name = "PostgreSQL"
    stop_signal = signal.SIGINT  # "fast" shutdown; children exit when the postmaster does

    def __init__(self, bin_dir: Path, settings: Mapping[str, str] | None = None) -> None:
        super().__init__("chirp-pg-", "postgres.log")
        self.bin_dir = bin_dir
        self.settings = {**_SERVER_SETTINGS, **(settings or {})}
        self.data = self.root / "data"
        self.sockets = self.owned_dir("sockets")

    def _run(self, args: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # type: ignore[call-overload,no-any-return]
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=_child_env(),
            cwd=self.root,
            timeout=timeout,
            check=False,
            **self.as_user(),
        )

    def _bin(self, name: str) -> str:
        return str(self.bin_dir / name)

    def initdb(self) -> None:
        base = [
            self._bin("initdb"),
            "-D", str(self.data),
            "-U", _SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        ]  # fmt: skip
        result = self._run([*base, "--locale=C.UTF-8"], timeout=120)
        if result.returncode != 0 and "locale" in result.stdout.lower():
            shutil.rmtree(self.data, ignore_errors=True)
            result = self._run([*base, "--no-locale"], timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed (exit {result.returncode}):\n{result.stdout}")

    def _launch(self) -> subprocess.Popen[bytes]:
        args = [
            self._bin("postgres"),
            "-D", str(self.data),
            "-h", _HOST,
            "-p", str(self.port),
            "-k", str(self.sockets),
        ]  # fmt: skip
        for name, value in self.settings.items():
            args += ["-c", f"{name}={value}"]
        return self.spawn(args, env=_child_env())

    def _wait_ready(self, proc: subprocess.Popen[bytes]) -> bool:
        """Return True once connections are accepted, False if the server died."""
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        probe = [
            self._bin("pg_isready"), "-q",
            "-h", _HOST, "-p", str(self.port),
            "-U", _SUPERUSER, "-d", "postgres",
        ]  # fmt: skip
        while proc.poll() is None:
            if self._run(probe, timeout=10).returncode == 0:
                return True
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"PostgreSQL did not accept connections on port {self.port} "
                    f"within {_STARTUP_TIMEOUT:.0f}s; log tail:\n{self.log_tail()}"
                )
            time.sleep(0.05)
        return False

    def kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        # Each backend leads a session of its own (PostgreSQL calls setsid), so no process
        # group holds them all. Stopped, the postmaster forks no one new while its children
        # are listed and killed; killed last, it leaves them no time to see it die.
        os.kill(proc.pid, signal.SIGSTOP)
        for pid in [*_children(proc.pid), proc.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait()

    def restart(self) -> None:
        """Start the stopped server again on the port it had (same data directory)."""
        if self.proc is not None:
            raise RuntimeError("PostgreSQL is already running")
        self.proc = self._launch()
        if not self._wait_ready(self.proc):
            raise RuntimeError(
                f"PostgreSQL exited with code {self.proc.returncode} while restarting on "
                f"port {self.port}; log tail:\n{self.log_tail()}"
            )

    def base_backup(self, primary: _Server) -> None:
        """Make this server's data directory a streaming replica of ``primary``
        (``pg_basebackup -R``: it starts in standby and follows the primary's WAL)."""
        args = [
            self._bin("pg_basebackup"),
            "-D", str(self.data),
            "-h", _HOST, "-p", str(primary.port),
            "-U", _SUPERUSER,
            "-R",  # standby.signal and primary_conninfo
            "-X", "stream",
            "--checkpoint=fast",  # the default waits for a spread checkpoint: ~90 s here
            "--no-sync",
        ]  # fmt: skip
        result = self._run(args, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"pg_basebackup failed (exit {result.returncode}):\n{result.stdout}")

    def promote(self) -> None:
        """End recovery: the replica becomes a primary that accepts writes."""
        args = [self._bin("pg_ctl"), "promote", "-w", "-D", str(self.data)]
        result = self._run(args, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(
                f"pg_ctl promote failed (exit {result.returncode}):\n{result.stdout}"
            )

    def psql(self, sql: str) -> subprocess.CompletedProcess[str]:
        """Run ``sql`` in the ``postgres`` database; its output unaligned, tuples only."""
        args = [
            self._bin("psql"), "-Atq", "-v", "ON_ERROR_STOP=1",
            "-h", _HOST, "-p", str(self.port),
            "-U", _SUPERUSER, "-d", "postgres",
            "-c", sql,
        ]  # fmt: skip
        return self._run(args, timeout=30)

    def wait_for_streaming_standby(self) -> None:
        """Return once a standby streams this server's WAL."""
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        while True:
            result = self.psql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
            if result.returncode == 0 and result.stdout.strip() not in ("", "0"):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"no standby streams from port {self.port} after "
                    f"{_STARTUP_TIMEOUT:.0f}s: {result.stdout}; log tail:\n{self.log_tail()}"
                )
            time.sleep(0.02)

    def replicate_synchronously(self) -> None:
        """From now on a commit returns once a standby has flushed it. Set in this server's
        own ``postgresql.auto.conf`` (``ALTER SYSTEM``), after any base backup was taken, so
        no replica copies it."""
        for sql in (
            "ALTER SYSTEM SET synchronous_standby_names = '*'",
            "SELECT pg_reload_conf()",
        ):
            result = self.psql(sql)
            if result.returncode != 0:
                raise RuntimeError(f"{sql} failed (exit {result.returncode}):\n{result.stdout}")
        # The reload is asynchronous: wait until a new session sees the setting.
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        while self.psql("SHOW synchronous_standby_names").stdout.strip() != "*":
            if time.monotonic() > deadline:
                raise RuntimeError("synchronous_standby_names was not reloaded")
            time.sleep(0.02)

    def create_database(self, database: str) -> None:
        if database == "postgres":
            return
        args = [
            self._bin("createdb"),
            "-h", _HOST, "-p", str(self.port),
            "-U", _SUPERUSER,
            database,
        ]  # fmt: skip
        result = self._run(args, timeout=30)
        if result.returncode != 0:
            raise RuntimeError(
                f"createdb {database!r} failed (exit {result.returncode}):\n{result.stdout}"
            )


class ThrowawayPostgres:
    """A running throwaway cluster that a test may stop and start again.

    ``url`` stays valid across ``stop()``/``start()``: the server comes back on the same
    port with the same data directory, so committed data survives a restart.
    """

    def __init__(self, server: _Server, database: str) -> None:
        self._server = server
        name = urllib.parse.quote(database, safe="")
        self.url = f"postgresql+asyncpg://{_SUPERUSER}@{_HOST}:{server.port}/{name}"
        # The same database through the server's Unix socket: no TCP stack on either side.
        socket = urllib.parse.urlencode({"host": str(server.sockets), "port": server.port})
        self.socket_url = f"postgresql+asyncpg://{_SUPERUSER}@/{name}?{socket}"

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def running(self) -> bool:
        return self._server.proc is not None

    def stop(self) -> None:
        """Fast shutdown (SIGINT): sessions are disconnected, open transactions roll back;
        returns once the postmaster has exited."""
        self._server.stop()

    def start(self) -> None:
        """Start the stopped server again; returns once it accepts connections."""
        self._server.restart()

    def log_tail(self, limit: int = 4000) -> str:
        return self._server.log_tail(limit)

    def promote(self) -> None:
        """For a replica: end recovery and accept writes; returns once it does."""
        self._server.promote()

    def kill(self) -> None:
        """Die as a crashed machine would: SIGKILL to the postmaster and every process it
        started, so no backend finishes anything or says goodbye to its client; returns
        once the postmaster is gone."""
        self._server.kill()

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """The server stops answering while it keeps its sockets: the postmaster (first, so
        it forks no one new) and every process it started get SIGSTOP, and SIGCONT on exit.
        Connections open and new ones are accepted by the kernel, and then nothing."""
        if self._server.proc is None:
            raise RuntimeError("PostgreSQL is not running")
        postmaster = self._server.proc.pid
        stopped = [postmaster]
        try:
            os.kill(postmaster, signal.SIGSTOP)
            for pid in _children(postmaster):
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)
            yield
        finally:
            for pid in stopped:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)


def _children(parent: int) -> list[int]:
    """The processes whose parent is ``parent`` (from /proc)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        if int(stat.rpartition(")")[2].split()[1]) == parent:
            children.append(int(entry.name))
    return children


@contextlib.contextmanager
def throwaway_cluster(
    database: str = "chirp_test", settings: Mapping[str, str] | None = None
) -> Iterator[ThrowawayPostgres]:
    """A fresh cluster of this process's own (never ``$CHIRP_TEST_POSTGRES_URL``), with
    ``database`` created and server ``settings`` over the defaults; stopped and deleted on
    exit."""
    bin_dir = postgres_binaries()
    if bin_dir is None:
        raise RuntimeError(f"PostgreSQL binaries not found; install PostgreSQL 15 or set {BIN_ENV}")
    server = _Server(bin_dir, settings)
    # Fallback for runs that never reach the finally block below in order.
    atexit.register(server.close)
    try:
        server.initdb()
        server.start()
        server.create_database(database)
        yield ThrowawayPostgres(server, database)
    finally:
        server.close()
        # Skipped if close() itself is interrupted, so atexit can retry.
        atexit.unregister(server.close)


class ReplicatedPostgres:
    """A throwaway primary and a streaming replica of it, each one stoppable."""

    def __init__(self, primary: ThrowawayPostgres, replica: ThrowawayPostgres) -> None:
        self.primary = primary
        self.replica = replica

    def promote(self) -> None:
        """Promote the replica (after the primary died, say); returns once it accepts
        writes."""
        self.replica.promote()

    @property
    def read_write_url(self) -> str:
        """One URL for both servers that connects to whichever accepts writes: the
        primary, or the replica once promoted (``target_session_attrs=read-write``)."""
        url = urllib.parse.urlsplit(self.primary.url)
        hosts = [("host", f"{_HOST}:{server.port}") for server in (self.primary, self.replica)]
        query = urllib.parse.urlencode([*hosts, ("target_session_attrs", "read-write")])
        return f"{url.scheme}://{_SUPERUSER}@{url.path}?{query}"


# The replica's lag under writes, measured here with pg_basebackup -R and streaming: p99
# 4.4 ms with synchronous_commit on, 201 ms with it off (WAL then waits for the WAL
# writer's 200 ms rounds before it is sent).
_PRIMARY_SETTINGS = {
    "synchronous_commit": "on",
    "wal_level": "replica",
    "max_wal_senders": "5",
}


@contextlib.contextmanager
def throwaway_replicated_cluster(
    database: str = "chirp_test",
    settings: Mapping[str, str] | None = None,
    *,
    synchronous: bool = False,
) -> Iterator[ReplicatedPostgres]:
    """A fresh primary with ``database``, and a replica made from it by ``pg_basebackup``
    and streaming from it, both on free loopback ports; stopped and deleted on exit.

    ``synchronous``: the primary acknowledges a commit only once the replica has flushed it
    (what a failover that loses no acknowledged write needs; while the replica is down,
    commits wait for it); the replica, once promoted, waits for no standby of its own."""
    bin_dir = postgres_binaries()
    if bin_dir is None:
        raise RuntimeError(f"PostgreSQL binaries not found; install PostgreSQL 15 or set {BIN_ENV}")
    primary = _Server(bin_dir, {**_PRIMARY_SETTINGS, **(settings or {})})
    # A command-line setting overrides the configuration files: whatever the primary's
    # postgresql.auto.conf says, the replica, once promoted, waits for no standby.
    replica = _Server(
        bin_dir, {**_PRIMARY_SETTINGS, **(settings or {}), "synchronous_standby_names": ""}
    )
    for server in (primary, replica):
        atexit.register(server.close)
    try:
        primary.initdb()
        primary.start()
        primary.create_database(database)
        replica.base_backup(primary)
        replica.start()
        primary.wait_for_streaming_standby()
        if synchronous:
            primary.replicate_synchronously()
        yield ReplicatedPostgres(
            ThrowawayPostgres(primary, database), ThrowawayPostgres(replica, database)
        )
    finally:
        for server in (replica, primary):
            server.close()
            atexit.unregister(server.close)


@contextlib.contextmanager
def throwaway_postgres(
    database: str = "chirp_test", settings: Mapping[str, str] | None = None
) -> Iterator[str]:
    """Yield a SQLAlchemy URL 'postgresql+asyncpg://postgres@127.0.0.1:<port>/<database>'.

    The server lives only inside the ``with`` block.  If ``$CHIRP_TEST_POSTGRES_URL``
    is set (non-empty) it is yielded unchanged and nothing is started.
    """
    override = os.environ.get(URL_ENV)
    if override:
        yield override
        return
    if postgres_binaries() is None:
        raise RuntimeError(
            f"PostgreSQL binaries not found; install PostgreSQL 15, set {BIN_ENV} "
            f"or set {URL_ENV} to an existing database"
        )
    with throwaway_cluster(database, settings) as cluster:
        yield cluster.url
