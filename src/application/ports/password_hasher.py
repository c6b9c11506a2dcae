from __future__ import annotations

from typing import Protocol


class PasswordHasher(Protocol):
    """Turns passwords into slow, salted hashes and checks them."""

    async def hash(self, password: str) -> str:
        """A new hash of ``password``."""
        ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``password_hash``."""
        ...

    async def verify_dummy(self, password: str) -> None:
        """Spend as long as ``verify`` does, for a login whose account does not exist."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with weaker parameters than today's."""
        ...
