"""Blocks and mutes: what one account may do to another, and what a reader sees.

A block separates two accounts both ways; a mute concerns only the muter, while it is in
force (until ``expires_at``; None: never).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.errors import ValidationError

MIN_MUTE_SECONDS = 60
MAX_MUTE_SECONDS = 31_536_000  # a year
MAX_RELATIONSHIP_NAMES = 50


@dataclass(frozen=True, slots=True)
class MuteTerms:
    """How long a mute lasts (None: until undone) and whether it silences notifications."""

    duration_seconds: int | None = None
    notifications: bool = True

    def __post_init__(self) -> None:
        seconds = self.duration_seconds
        if seconds is not None and not MIN_MUTE_SECONDS <= seconds <= MAX_MUTE_SECONDS:
            raise ValidationError.single(
                "duration_seconds",
                f"must be between {MIN_MUTE_SECONDS} and {MAX_MUTE_SECONDS}, or null",
            )

    def expires_at(self, now: datetime) -> datetime | None:
        seconds = self.duration_seconds
        return None if seconds is None else now + timedelta(seconds=seconds)


@dataclass(frozen=True, slots=True)
class Mute:
    muter_id: int
    muted_id: int
    created_at: datetime
    expires_at: datetime | None
    notifications: bool

    def in_force(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


@dataclass(frozen=True, slots=True)
class Relationship:
    """How the viewer and one account stand (all false for the viewer themselves)."""

    username: str
    following: bool
    followed_by: bool
    blocking: bool
    blocked_by: bool
    muting: bool


def relationship_names(usernames: str) -> list[str]:
    """The comma-separated names of ``GET /users/relationships``, each once (the first
    spelling of a name, compared case-insensitively), in the order given: 1 to 50 of them."""
    names: dict[str, str] = {}
    for name in (part.strip() for part in usernames.split(",")):
        if name:
            names.setdefault(name.casefold(), name)
    if not 1 <= len(names) <= MAX_RELATIONSHIP_NAMES:
        raise ValidationError.single(
            "usernames", f"must name 1 to {MAX_RELATIONSHIP_NAMES} users, separated by commas"
        )
    return list(names.values())
