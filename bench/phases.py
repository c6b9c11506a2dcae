"""Wall time of each phase of a run, in the order they ran (for the results file)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator


class Phases:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def timed(self, name: str) -> Iterator[None]:
        """Records the block's wall time under ``name`` when it completes (not on errors)."""
        start = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - start, 2)
