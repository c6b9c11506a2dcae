"""What the load runs against: a PostgreSQL loaded with the dataset, ``chirp serve`` on it,
and a hello-world app with the same server settings as the ceiling to compare with."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from bench import bulk_load, database_reads, dataset, write_accounts
from bench.phases import Phases
from bench.processes import Server, log, pinned, run
from devservers.ports import HOST, free_port

if TYPE_CHECKING:  # bench.plan imports bench.report, which imports this module
    from bench.plan import Plan

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "chirp_bench"  # the throwaway server's
# A server sized like a real one: with the tests' 128 MB, size L's hot pages (~0.5 GB) would
# be copied in from the OS cache on every feed. A --database-url server wants the same.
POSTGRES_SETTINGS = {"shared_buffers": "1GB", "max_wal_size": "8GB"}
SERVER_WORKERS = 2
ADMIN = ("benchadmin", "benchadmin@bench.example", "Bench-admin-pass-9137")


def server_address(url: str) -> tuple[str, str]:
    """Host (or Unix socket directory) and port of a PostgreSQL URL, as pgbench takes them."""
    parts = make_url(url)
    host = parts.host or str(parts.query.get("host") or HOST)
    return host, str(parts.port or parts.query.get("port") or 5432)


class Deployment:
    """The database and servers of one run; the servers are stopped by ``stack`` when it
    closes."""

    def __init__(
        self, plan: Plan, stack: contextlib.ExitStack, workdir: Path, phases: Phases
    ) -> None:
        self.plan = plan
        self.stack = stack
        self.workdir = workdir
        self.phases = phases
        self.url = ""
        self.pg_version = ""
        self.env: dict[str, str] = {}
        self.dataset: dict[str, object] = {}
        self.hashed_password = ""
        self._app: Server | None = None
        self._hello: Server | None = None
        self._primary_only: Server | None = None  # --replica: chirp without the replica
        self._chirp = str(Path(sys.executable).parent / "chirp")

    @property
    def app(self) -> Server:
        if self._app is None:
            raise RuntimeError("start the servers first")
        return self._app

    @property
    def primary_only(self) -> Server:
        if self._primary_only is None:
            raise RuntimeError("start the replicated servers first")
        return self._primary_only

    @property
    def hello(self) -> Server:
        if self._hello is None:
            raise RuntimeError("start the servers first")
        return self._hello

    @property
    def hello_url(self) -> str | None:
        """The hello app's URL; None when it was not started (``--replica``)."""
        return None if self._hello is None else self._hello.url

    def server_pids(self) -> list[int]:
        servers = (self._app, self._hello, self._primary_only)
        return [pid for server in servers if server and (pid := server.pid)]

    def prepare_database(self, url: str) -> None:
        """The running, empty or loaded, PostgreSQL database at ``url``: migrated by ``chirp db
        upgrade``, and when empty, loaded and given an admin."""
        self.url = url
        with self.phases.timed("hash_password"):
            self.hashed_password = dataset.password_hash()
        self.pg_version = str(asyncio.run(database_reads.fetchval(self.url, "SHOW server_version")))
        host, port = server_address(self.url)
        log(f"PostgreSQL {self.pg_version} at {host}, port {port}")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CHIRP_")}
        self.env |= {
            "CHIRP_DATABASE_URL": self.url,
            "CHIRP_JWT_SECRET": secrets.token_urlsafe(48),
            "CHIRP_MEDIA_DIR": str(self.workdir / "media"),
            "CHIRP_DATA_DIR": str(self.workdir / "data"),
        }
        with self.phases.timed("migrate"):
            run([self._chirp, "db", "upgrade"], env=self.env, cwd=self.workdir, timeout=300)
        if asyncio.run(database_reads.fetchval(self.url, database_reads.EXISTING_ROWS)):
            self.dataset = asyncio.run(database_reads.counts(self.url, self.plan.size))
            log(f"reusing the loaded database: {self.dataset}")
        else:
            log(f"loading size {self.plan.size.name} ...")
            with self.phases.timed("load"):
                self.dataset = asyncio.run(
                    bulk_load.load(self.url, self.plan.size, self.hashed_password)
                )
            log(f"loaded in {self.phases.seconds['load']:.1f} s: {self.dataset}")
            self._create_admin()
        with self.phases.timed("load_write_accounts"):
            self.dataset["write_accounts"] = asyncio.run(
                write_accounts.load(self.url, self.hashed_password)
            )

    def _create_admin(self) -> None:
        username, email, password = ADMIN
        command = [self._chirp, "createsuperuser", "--username", username, "--email", email]
        run(
            [*command, "--password-stdin"],
            env=self.env,
            cwd=self.workdir,
            stdin=password + "\n",
            timeout=120,
        )

    def start_servers(self) -> None:
        """``chirp serve`` and the hello app, with the same Granian settings and CPUs."""
        with self.phases.timed("servers_start"):
            self._app = self._chirp_server("chirp", self.env)
            port = free_port()
            hello = [sys.executable, "-m", "bench.hello_app", "--host", HOST, "--port", str(port)]
            self._hello = self._server(
                "hello",
                [*hello, "--workers", str(SERVER_WORKERS)],
                port,
                {**os.environ, "PYTHONPATH": str(ROOT)},
                ROOT,
            )
            self._app.wait_ready("/health")
            self._hello.wait_ready("/hello")
        log(f"chirp on {self._app.url}, hello on {self._hello.url}")

    def start_replicated_servers(self, replica_urls: str) -> None:
        """For ``--replica``: ``chirp serve`` reading what may lag from ``replica_urls``
        (``app``), and another on the primary alone (``primary_only``), alike otherwise."""
        with self.phases.timed("servers_start"):
            self._app = self._chirp_server(
                "chirp", {**self.env, "CHIRP_READ_REPLICA_URLS": replica_urls}
            )
            self._primary_only = self._chirp_server("chirp-primary-only", self.env)
            self._app.wait_ready("/health")
            self._primary_only.wait_ready("/health")
        log(f"chirp with the replica on {self._app.url}, alone on {self._primary_only.url}")

    def _chirp_server(self, name: str, env: dict[str, str]) -> Server:
        port = free_port()
        command = [self._chirp, "serve", "--host", HOST, "--port", str(port)]
        return self._server(
            name, [*command, "--workers", str(SERVER_WORKERS)], port, env, self.workdir
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
