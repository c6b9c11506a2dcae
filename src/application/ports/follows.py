from __future__ import annotations

from datetime import datetime
from typing import Protocol


class FollowRepository(Protocol):
    """Who follows whom; keeps both users' follower and following counts exact."""

    async def follow(self, follower_id: int, followee_id: int, now: datetime) -> bool:
        """Start following; False if it already did (nothing changes)."""
        ...

    async def unfollow(self, follower_id: int, followee_id: int) -> bool:
        """Stop following; False if it did not follow (nothing changes)."""
        ...
