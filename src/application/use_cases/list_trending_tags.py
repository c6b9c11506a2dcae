from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.ports.clock import Clock
from application.ports.trending_tags import TrendingTag, TrendingTags
from domain.errors import ValidationError

TRENDING_WINDOW = timedelta(hours=24)
DEFAULT_TRENDING = 10
MAX_TRENDING = 50


@dataclass(frozen=True, slots=True)
class ListTrendingTagsQuery:
    limit: int = DEFAULT_TRENDING


class ListTrendingTags:
    """The hashtags of the last 24 hours' tweets (by when they were posted), used by the
    most distinct accounts first, then in the most tweets, then by tag.

    - ``limit`` 1-50 (``validation_error`` otherwise), default 10.
    - Counted from what the workers have tallied: a new tweet counts within moments; a
      deleted tweet stops counting at once.
    """

    def __init__(self, trending: TrendingTags, clock: Clock) -> None:
        self._trending = trending
        self._clock = clock

    async def __call__(self, query: ListTrendingTagsQuery) -> list[TrendingTag]:
        if not 1 <= query.limit <= MAX_TRENDING:
            raise ValidationError.single("limit", f"must be between 1 and {MAX_TRENDING}")
        return await self._trending.since(self._clock.now() - TRENDING_WINDOW, query.limit)
