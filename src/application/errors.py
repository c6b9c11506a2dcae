"""Errors of the application layer that are not business rules."""

from __future__ import annotations


class DependencyUnavailable(Exception):
    """A service Chirp depends on cannot answer now (down, restarting, overloaded, too slow,
    or it rolled the transaction back to resolve a conflict): nothing is wrong with the
    request, which may succeed if tried again shortly. Adapters raise it, from the
    library's error, for every such failure; the HTTP layer answers 503.
    """

    def __init__(self, dependency: str, reason: str) -> None:
        super().__init__(f"{dependency} unavailable: {reason}")
        self.dependency = dependency  # "database", "redis", ...
        self.reason = reason
