from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, Protocol

from application.ports.user_reader import UserSummary
from domain.relationships import Mute, Relationship
from domain.users import User


class BlockRepository(Protocol):
    """Blocks, in the use case's transaction."""

    async def block(self, blocker_id: int, blocked_id: int, now: datetime) -> bool:
        """Start blocking; False if it already did (nothing changes)."""
        ...

    async def unblock(self, blocker_id: int, blocked_id: int) -> bool:
        """Stop blocking; False if it did not (nothing changes)."""
        ...

    async def between(self, user_id: int, other_id: int) -> bool:
        """Whether either of the two blocks the other."""
        ...


class MuteRepository(Protocol):
    """Mutes, in the use case's transaction."""

    async def mute(self, mute: Mute) -> None:
        """Mute with these terms, replacing those of an earlier mute of the same account
        (it then counts as the most recent)."""
        ...

    async def unmute(self, muter_id: int, muted_id: int) -> bool:
        """Stop muting; False if there was no mute (nothing changes)."""
        ...


class MutedUser(NamedTuple):
    user: UserSummary
    expires_at: datetime | None
    notifications: bool


class RelationshipReader(Protocol):
    """Read models of blocks and mutes, outside any transaction; lists are (key, item)
    rows, newest key first."""

    async def blocked_between(self, user_id: int, other_id: int) -> bool:
        """Whether either of the two blocks the other."""
        ...

    async def user_named(self, username: str, viewer_id: int) -> tuple[User, bool] | None:
        """The user named (case-insensitively), and whether a block separates them from the
        viewer, in one read; None if there is no such user."""
        ...

    async def relationships(
        self, viewer_id: int, usernames: list[str], now: datetime
    ) -> list[Relationship]:
        """How the viewer stands with each existing user named (case-insensitively), in
        the order of ``usernames``, spelled as stored; unknown names left out."""
        ...

    async def blocks(
        self, viewer_id: int, before: int | None, limit: int
    ) -> list[tuple[int, UserSummary]]:
        """Whom the viewer blocks, most recent block first."""
        ...

    async def mutes(
        self, viewer_id: int, now: datetime, before: int | None, limit: int
    ) -> list[tuple[int, MutedUser]]:
        """Whom the viewer mutes (mutes in force at ``now``), most recent first."""
        ...
