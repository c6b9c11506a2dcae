from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from domain.users import Profile, User


class UserRepository(Protocol):
    """Stores accounts, in the use case's transaction: its reads see its writes. Username
    and email lookups are case-insensitive."""

    async def get(self, user_id: int) -> User | None:
        """The user with this id."""
        ...

    async def get_by_username(self, username: str) -> User | None:
        """The user with this username, compared case-insensitively."""
        ...

    async def add(self, user: User) -> User:
        """Store a new user and give it its id.

        Raises ``UsernameTaken`` or ``EmailTaken`` when another account has either.
        """
        ...

    async def get_by_email(self, email: str) -> User | None:
        """The user with this email address, compared case-insensitively."""
        ...

    async def change_username(self, user_id: int, username: str) -> None:
        """Set the username (and its case-folded form), nothing else.

        Raises ``UsernameTaken`` when another account has it, case-insensitively.
        """
        ...

    async def change_email(self, user_id: int, email: str) -> None:
        """Set the e-mail address (and its case-folded form), nothing else.

        Raises ``EmailTaken`` when another account has it, case-insensitively.
        """
        ...

    async def change_profile(self, user_id: int, profile: Profile) -> None:
        """Set the first name, last name and bio, nothing else."""
        ...

    async def set_admin(self, user_id: int, is_admin: bool) -> None:
        """Make the account an administrator, or not; nothing else."""
        ...

    async def deactivate(self, user_id: int, now: datetime) -> None:
        """Mark the account inactive since ``now`` (if it is active); nothing else. Its
        sessions are the session repository's to revoke."""
        ...

    async def reactivate(self, user_id: int) -> None:
        """Mark the account active again; ``deactivated_at`` stays, so tokens issued before
        the deactivation stay void."""
        ...

    async def replace_avatar(self, user_id: int, avatar: str | None) -> str | None:
        """Set the avatar; the one it replaced, as stored when this wrote it (not as read
        before): of concurrent replacements, each gets back a different one, so every
        replaced file is known to exactly one caller. Raises ``UserNotFound`` if no such user.
        """
        ...

    async def upgrade_password_hash(self, user_id: int, old: str, new: str) -> None:
        """Store ``new`` (the same password, hashed with current parameters) unless the hash
        is no longer ``old``: a password changed meanwhile is kept."""
        ...

    async def record_login(self, user_id: int, verified_hash: str, now: datetime) -> bool:
        """Set ``last_login`` if the account is active and its hash is still
        ``verified_hash``; whether it was. Until the transaction ends, a concurrent
        ``change_password`` waits for it (or it for that, and then finds the hash changed)."""
        ...

    async def change_password(
        self, user_id: int, verified_hash: str, new_hash: str, now: datetime
    ) -> bool:
        """Store ``new_hash`` and ``password_changed_at`` if the hash is still
        ``verified_hash``; whether it was. A login that verified the old hash and has not yet
        recorded itself then fails its ``record_login``."""
        ...

    async def lock(self, user_ids: Collection[int]) -> None:
        """Hold these users' rows until the transaction ends, so that what is read of them
        next stays true until the commit: a concurrent change of them waits, or is waited
        for and then seen. Rows are taken in id order, so two lockers never deadlock (on
        SQLite the database's write lock is taken: one writer at a time)."""
        ...
