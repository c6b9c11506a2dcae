from __future__ import annotations

from dataclasses import dataclass, field

from domain.sessions import RefreshToken, Session
from domain.tweets import Tweet
from domain.users import User


@dataclass
class MemoryStore:
    """Everything the in-memory adapters hold; share one between them like one database."""

    users: dict[int, User] = field(default_factory=dict)
    sessions: dict[int, Session] = field(default_factory=dict)
    refresh_tokens: dict[int, RefreshToken] = field(default_factory=dict)
    settings: dict[str, int] = field(default_factory=dict)
    tweets: dict[int, Tweet] = field(default_factory=dict)
    # (user_id, tweet_id) -> like id; (follower_id, followee_id) -> follow id
    likes: dict[tuple[int, int], int] = field(default_factory=dict)
    follows: dict[tuple[int, int], int] = field(default_factory=dict)
    timelines: dict[int, set[int]] = field(default_factory=dict)
    commits: int = 0
    _last_id: int = 0

    def next_id(self) -> int:
        self._last_id += 1
        return self._last_id
