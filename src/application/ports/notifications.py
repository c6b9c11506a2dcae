from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from application.ports.tweet_reader import TweetView
from application.ports.user_reader import UserSummary
from domain.notifications import Notice, NotificationType


class Notifications(Protocol):
    """Notifications and read markers, in the transaction of a worker's job or a use case."""

    async def add(self, notices: Sequence[Notice], now: datetime) -> None:
        """Make each notification that was never made (at most one per recipient, type,
        actor and tweet, ever), counting it unread."""
        ...

    async def remove_for_tweet(self, tweet_id: int) -> None:
        """Take away the notifications of a deleted tweet (and their unread count)."""
        ...

    async def mark_read(self, user_id: int, up_to_id: int | None) -> None:
        """Every notification of the user read (with ``up_to_id``: those whose id is at most
        it); the marker never moves back."""
        ...


class NotificationView(NamedTuple):
    id: int
    type: NotificationType
    created_at: datetime
    actor: UserSummary
    tweet: TweetView | None
    read: bool


class NotificationReader(Protocol):
    """A user's notifications as they read them: none from an account a block separates
    from them, or that they mute with ``notifications`` (at ``now``), or about a tweet
    that is gone."""

    async def page(
        self,
        user_id: int,
        types: frozenset[NotificationType] | None,
        now: datetime,
        before: int | None,
        limit: int,
    ) -> list[tuple[int, NotificationView]]:
        """Newest first, keyed by id; only ``types`` when given."""
        ...

    async def unread_count(self, user_id: int, now: datetime) -> int:
        """How many unread notifications the user would see."""
        ...
