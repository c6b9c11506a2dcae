"""Throwaway Redis server for the integration tests.

``throwaway_redis()`` starts ``redis-server`` with no persistence on a free loopback port,
in a fresh temporary directory, and yields its URL; on exit the server is stopped and the
directory removed. Under root the server runs as an unprivileged user. Only the standard
library is used.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

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

    def __init__(self, binary: str) -> None:
        super().__init__("chirp-redis-", "redis.log")
        self.binary = binary

    def _launch(self) -> subprocess.Popen[bytes]:
        args = [
            self.binary,
            "--port", str(self.port),
            "--bind", _HOST,
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.root),
            "--daemonize", "no",
        ]  # fmt: skip
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
