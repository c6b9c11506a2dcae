from __future__ import annotations

from typing import Protocol

from application.ports.user_reader import ProfileView


class UserSearch(Protocol):
    """Read models of ``/search/users``: prefix ranges of indexed columns, one query."""

    async def by_prefix(
        self, prefix: str, upper: str | None, viewer_id: int | None, limit: int
    ) -> list[ProfileView]:
        """Active accounts whose canonical username, or folded first or last name
        (``domain.search.fold``), is ``>= prefix`` and ``< upper`` (no upper bound if None):
        those starting with ``prefix``. The account named ``prefix`` first, then most
        followers, then oldest account."""
        ...
