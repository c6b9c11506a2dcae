from __future__ import annotations

from dataclasses import dataclass

from application.ports.user_reader import ProfileView
from application.ports.user_search import UserSearch
from domain.errors import ValidationError
from domain.search import fold, prefix_upper_bound

MAX_USER_QUERY_LENGTH = 100
DEFAULT_USER_RESULTS = 20
MAX_USER_RESULTS = 50


@dataclass(frozen=True, slots=True)
class SearchUsersQuery:
    q: str
    limit: int = DEFAULT_USER_RESULTS
    viewer_id: int | None = None


class SearchUsers:
    """Active accounts whose username, first name or last name starts with ``q``.

    - ``q`` is 1-100 characters; ``limit`` 1-50 (default 20): else ``validation_error``.
    - Compared case-insensitively, after NFKC and without generic accents
      (``domain.search.fold``): ``jo`` finds "José" and "JOANNA".
    - The account whose username is ``q`` first, then the most followed, then the oldest.
    - A ``q`` that folds to nothing (only accents) or cannot start any stored value (holds
      a NUL) finds no one.
    """

    def __init__(self, search: UserSearch) -> None:
        self._search = search

    async def __call__(self, query: SearchUsersQuery) -> list[ProfileView]:
        if not 1 <= len(query.q) <= MAX_USER_QUERY_LENGTH:
            raise ValidationError.single("q", f"must be 1-{MAX_USER_QUERY_LENGTH} characters")
        if not 1 <= query.limit <= MAX_USER_RESULTS:
            raise ValidationError.single("limit", f"must be between 1 and {MAX_USER_RESULTS}")
        prefix = fold(query.q)
        # PostgreSQL text cannot hold NUL: no stored value starts with one.
        if not prefix or "\x00" in prefix:
            return []
        upper = prefix_upper_bound(prefix)
        return await self._search.by_prefix(prefix, upper, query.viewer_id, query.limit)
