"""PostgreSQL servers of a test's own: skipped without the binaries, except under CI=true
(where a skipped PostgreSQL test would hide a failure)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import pytest

from devservers.postgres import ReplicatedPostgres, postgres_binaries, throwaway_replicated_cluster


def require_postgres_binaries() -> None:
    """Skip the test when there is no PostgreSQL server to start; fail it under CI=true."""
    if postgres_binaries() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no PostgreSQL server binaries were found")
        pytest.skip("PostgreSQL binaries not found; set CHIRP_PG_BIN")


@contextlib.contextmanager
def replicated_cluster(database: str, **options: Any) -> Iterator[ReplicatedPostgres]:
    """``throwaway_replicated_cluster(database, **options)``, once the binaries are known."""
    require_postgres_binaries()
    with throwaway_replicated_cluster(database, **options) as cluster:
        yield cluster
