from __future__ import annotations

from typing import Protocol


class CommonPasswords(Protocol):
    """The passwords attackers try first."""

    def __contains__(self, password: str) -> bool:
        """Whether ``password`` is one of them, ignoring case."""
        ...
