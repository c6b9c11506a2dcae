"""The names an account may take."""

from __future__ import annotations

from collections.abc import Iterable

from domain.errors import ValidationError
from domain.users import Username, canonical_username


class UsernamePolicy:
    """A valid ``Username`` that is none of the reserved names, in any case.

    The reserved names are the entrypoints' business (e.g. the HTTP API's fixed paths
    where a username could stand), given by the composition root.
    """

    def __init__(self, reserved: Iterable[str]) -> None:
        self._reserved = frozenset(canonical_username(name) for name in reserved)

    def check(self, username: str) -> Username:
        checked = Username(username)
        if checked.canonical in self._reserved:
            raise ValidationError.single("username", "is reserved")
        return checked
