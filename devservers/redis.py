"""Throwaway Redis servers for the integration tests.

``throwaway_redis()`` starts ``redis-server`` with no persistence on a free loopback port,
in a fresh temporary directory, and yields its URL; on exit the server is stopped and the
directory removed. ``throwaway_sentinel()`` does the same for a master, one replica and
Sentinels watching them, and yields a ``SentinelSetup`` (its ``redis+sentinel://`` URL, and
a way to kill the master). Under root the servers run as an unprivileged user. Only the
standard library is used.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from devservers.local_server import LocalServer
from devservers.ports import HOST as _HOST

URL_ENV = "CHIRP_TEST_REDIS_URL"

_STARTUP_TIMEOUT = 15.0


def redis_server_binary() -> str | None:
    return shutil.which("redis-server")


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection((_HOST, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class _Server(LocalServer):
    name = "redis-server"

    def __init__(self, binary: str, replica_of: int | None = None) -> None:
        super().__init__("chirp-redis-", "redis.log")
        self.binary = binary
        self.replica_of = replica_of  # the master's port

    def _launch(self) -> subprocess.Popen[bytes]:
        args = [
            self.binary,
            "--port", str(self.port),
            "--bind", _HOST,
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.root),
            "--daemonize", "no",
            # A replica's first sync starts at once, not after the default 5 s wait.
            "--repl-diskless-sync-delay", "0",
        ]  # fmt: skip
        if self.replica_of is not None:
            args += ["--replicaof", _HOST, str(self.replica_of)]
        return self.spawn(args)

    def _wait_ready(self, proc: subprocess.Popen[bytes]) -> bool:
        """True once the server answers PING, False if it died."""
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        while proc.poll() is None:
            if _answers_ping(self.port):
                return True
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"redis-server did not answer on port {self.port} within "
                    f"{_STARTUP_TIMEOUT:.0f}s; log tail:\n{self.log_tail()}"
                )
            time.sleep(0.02)
        return False


@contextlib.contextmanager
def throwaway_redis() -> Iterator[str]:
    """Yield 'redis://127.0.0.1:<port>/0' of a server that lives inside the ``with`` block.

    If ``$CHIRP_TEST_REDIS_URL`` is set (non-empty) it is yielded and nothing is started.
    """
    override = os.environ.get(URL_ENV)
    if override:
        yield override
        return
    binary = redis_server_binary()
    if binary is None:
        raise RuntimeError(f"redis-server not found; install it or set {URL_ENV}")
    server = _Server(binary)
    atexit.register(server.close)
    try:
        server.start()
        yield f"redis://{_HOST}:{server.port}/0"
    finally:
        server.close()
        atexit.unregister(server.close)


SENTINEL_SERVICE = "chirp"
# Sentinel declares a silent master down after DOWN_AFTER, then fails over: the measured
# kill-to-promotion time is about DOWN_AFTER plus a second or two.
DOWN_AFTER_MS = 1000
_FAILOVER_TIMEOUT_MS = 3000
_SETUP_TIMEOUT = 15.0


class _Sentinel(_Server):
    name = "redis-server --sentinel"

    def __init__(self, binary: str, master_port: int, quorum: int) -> None:
        super().__init__(binary)
        self.master_port = master_port
        self.quorum = quorum

    def _launch(self) -> subprocess.Popen[bytes]:
        # Sentinel rewrites its configuration file as it learns: the file must be its own.
        conf = self.root / "sentinel.conf"
        conf.write_text(
            f"port {self.port}\n"
            f"bind {_HOST}\n"
            f"dir {self.root}\n"
            f"sentinel monitor {SENTINEL_SERVICE} {_HOST} {self.master_port} {self.quorum}\n"
            f"sentinel down-after-milliseconds {SENTINEL_SERVICE} {DOWN_AFTER_MS}\n"
            f"sentinel failover-timeout {SENTINEL_SERVICE} {_FAILOVER_TIMEOUT_MS}\n"
            f"sentinel parallel-syncs {SENTINEL_SERVICE} 1\n"
        )
        if self.account is not None:
            os.chown(conf, *self.account)
        return self.spawn([self.binary, str(conf), "--sentinel"])


def redis_command(port: int, *args: str, timeout: float = 1.0) -> object:
    """One command to the server on ``port``: its reply, as str, int, None or a list."""
    request = f"*{len(args)}\r\n" + "".join(f"${len(a.encode())}\r\n{a}\r\n" for a in args)
    with socket.create_connection((_HOST, port), timeout=timeout) as sock:
        sock.sendall(request.encode())
        with sock.makefile("rb") as reply:
            return _reply(reply.readline)


def _reply(readline: Callable[[], bytes]) -> object:
    line = readline()
    kind, rest = line[:1], line[1:-2].decode()
    if kind == b"+":
        return rest
    if kind == b"-":
        raise RuntimeError(rest)
    if kind == b":":
        return int(rest)
    if kind == b"$":
        if int(rest) < 0:
            return None
        data = readline()
        while len(data) < int(rest) + 2:
            data += readline()
        return data[:-2].decode()
    if kind == b"*":
        return None if int(rest) < 0 else [_reply(readline) for _ in range(int(rest))]
    raise RuntimeError(f"unexpected reply {line!r}")


def _fields(reply: object) -> dict[str, str]:
    """``INFO`` text or a flat [name, value, ...] list as a dict."""
    if isinstance(reply, str):
        pairs = (line.partition(":") for line in reply.splitlines() if ":" in line)
        return {name: value for name, _, value in pairs}
    if not isinstance(reply, list):
        raise RuntimeError(f"unexpected reply {reply!r}")
    return dict(zip(reply[::2], reply[1::2], strict=True))


def _wait_for(what: str, done: Callable[[], bool], servers: list[_Server]) -> None:
    deadline = time.monotonic() + _SETUP_TIMEOUT
    while True:
        try:
            if done():
                return
        except (OSError, RuntimeError):
            pass
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {s.name} {s.port}:\n{s.log_tail(1500)}" for s in servers)
            raise RuntimeError(f"Redis Sentinel: {what} within {_SETUP_TIMEOUT:.0f}s\n{logs}")
        time.sleep(0.05)


@dataclass
class SentinelSetup:
    """A master, its replica and the Sentinels watching them, all on loopback."""

    master: _Server
    replica: _Server
    sentinels: list[_Sentinel]

    @property
    def url(self) -> str:
        hosts = ",".join(f"{_HOST}:{s.port}" for s in self.sentinels)
        return f"redis+sentinel://{hosts}/{SENTINEL_SERVICE}/0"

    def master_port(self) -> int:
        """The port of the master the first Sentinel names now."""
        reply = redis_command(
            self.sentinels[0].port, "SENTINEL", "get-master-addr-by-name", SENTINEL_SERVICE
        )
        if not isinstance(reply, list):
            raise RuntimeError(f"no master for {SENTINEL_SERVICE!r}: {reply!r}")
        return int(reply[1])

    def wait_for_replica(self) -> None:
        """Return once the replica has applied every write the master has taken so far
        (replication is asynchronous: what it has not applied is lost with the master)."""
        written = _fields(redis_command(self.master.port, "INFO", "replication"))
        target = int(written["master_repl_offset"])

        def applied() -> bool:
            info = _fields(redis_command(self.replica.port, "INFO", "replication"))
            return int(info.get("slave_repl_offset", "-1")) >= target

        _wait_for("the replica did not catch up", applied, [self.master, self.replica])

    def kill_master(self) -> None:
        """SIGKILL the master: no goodbye to its clients, replica or Sentinels."""
        proc = self.master.proc
        if proc is None:
            raise RuntimeError("the master is not running")
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def _replicating(replica: _Server) -> bool:
    info = _fields(redis_command(replica.port, "INFO", "replication"))
    return info.get("master_link_status") == "up"


def _watching(sentinel: _Sentinel, others: int) -> bool:
    """The Sentinel knows the master, its replica and the ``others`` Sentinels: a failover
    needs the replica known and, with several Sentinels, a majority of them to vote."""
    state = _fields(redis_command(sentinel.port, "SENTINEL", "master", SENTINEL_SERVICE))
    return (
        state.get("flags") == "master"
        and state.get("num-slaves") == "1"
        and state.get("num-other-sentinels") == str(others)
    )


@contextlib.contextmanager
def throwaway_sentinel(sentinels: int = 1) -> Iterator[SentinelSetup]:
    """A master, one replica and ``sentinels`` Sentinels (quorum: a majority), ready to fail
    over when the ``with`` block starts; everything is killed and removed on the way out."""
    binary = redis_server_binary()
    if binary is None:
        raise RuntimeError("redis-server not found; install it")
    servers: list[_Server] = []

    def close() -> None:
        for server in reversed(servers):
            server.close()

    atexit.register(close)
    try:
        master = _Server(binary)
        servers.append(master)
        master.start()
        replica = _Server(binary, replica_of=master.port)
        servers.append(replica)
        replica.start()
        # Before any Sentinel starts, so that its first look at the master lists the replica.
        _wait_for("the replica did not catch up", lambda: _replicating(replica), servers)
        watchers = []
        for _ in range(sentinels):
            watcher = _Sentinel(binary, master.port, quorum=sentinels // 2 + 1)
            servers.append(watcher)
            watcher.start()
            watchers.append(watcher)
        for watcher in watchers:
            _wait_for(
                "a Sentinel did not see the master, replica and other Sentinels",
                functools.partial(_watching, watcher, sentinels - 1),
                servers,
            )
        yield SentinelSetup(master, replica, watchers)
    finally:
        close()
        atexit.unregister(close)
