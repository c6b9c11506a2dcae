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
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

URL_ENV = "CHIRP_TEST_REDIS_URL"

_HOST = "127.0.0.1"
_STARTUP_TIMEOUT = 15.0
_STOP_TIMEOUT = 10.0
_PORT_ATTEMPTS = 3
_UNPRIVILEGED_USER = "nobody"


def redis_server_binary() -> str | None:
    return shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((_HOST, 0))
        return int(sock.getsockname()[1])


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection((_HOST, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class _Server:
    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.account: tuple[int, int] | None = None
        self.root = Path(tempfile.mkdtemp(prefix="chirp-redis-"))
        if os.geteuid() == 0:
            entry = pwd.getpwnam(_UNPRIVILEGED_USER)
            self.account = (entry.pw_uid, entry.pw_gid)
            os.chown(self.root, *self.account)
        self.log = self.root / "redis.log"
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    def log_tail(self, limit: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-limit:]
        except OSError as exc:
            return f"<cannot read {self.log}: {exc}>"

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
        user, group = self.account if self.account is not None else (None, None)
        with self.log.open("ab") as log:
            # Own session: a Ctrl-C aimed at pytest must not stop it before the fixture does.
            return subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                user=user,
                group=group,
                extra_groups=[] if self.account is not None else None,
                start_new_session=True,
            )

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

    def start(self) -> None:
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            self.port = _free_port()
            self.proc = self._launch()
            if self._wait_ready(self.proc):
                return
            tail = self.log_tail()
            # Another process may grab the port between probing and binding.
            if "Address already in use" not in tail or attempt == _PORT_ATTEMPTS:
                raise RuntimeError(
                    f"redis-server exited with code {self.proc.returncode} during start-up; "
                    f"log tail:\n{tail}"
                )

    def close(self) -> None:
        """Stop the server and delete the directory; safe to call repeatedly."""
        proc, self.proc = self.proc, None
        try:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(_STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        finally:
            if self.root.exists():
                try:
                    shutil.rmtree(self.root)
                except OSError as exc:
                    warnings.warn(f"could not remove {self.root}: {exc}", stacklevel=2)


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
