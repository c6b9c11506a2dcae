from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CountDrift:
    """A count that did not equal its rows: ``counter`` of ``subject_id`` was ``stored``,
    the rows say ``actual``."""

    counter: str  # e.g. "users.followers_count"
    subject_id: int
    stored: int
    actual: int


class Counts(Protocol):
    """The counts on users and tweets (likes, followers, following, tweets).

    A write records a change to a count beside its fact, in its transaction; ``fold`` applies
    recorded changes to the counts, in a transaction of its own, each change exactly once.
    """

    async def fold(self, limit: int) -> int:
        """Apply up to ``limit`` of the oldest recorded changes: how many were applied."""
        ...

    async def repair(self) -> list[CountDrift]:
        """Recompute every count from its rows and correct those that differ (after folding
        what is pending): the counts that were wrong."""
        ...
