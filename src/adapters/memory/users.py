from __future__ import annotations

import dataclasses
from collections.abc import Callable

from adapters.memory.store import MemoryStore
from application.ports.users import UserRepository
from domain.errors import EmailTaken, UsernameTaken
from domain.users import User, canonical_email, canonical_username


class InMemoryUserRepository(UserRepository):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def add(self, user: User) -> User:
        self._check_unique(user)
        user.id = self._store.next_id()
        self._store.users[user.id] = dataclasses.replace(user)
        return user

    async def get(self, user_id: int) -> User | None:
        user = self._store.users.get(user_id)
        return None if user is None else dataclasses.replace(user)

    async def get_by_username(self, username: str) -> User | None:
        wanted = canonical_username(username)
        return self._find(lambda u: canonical_username(u.username) == wanted)

    async def get_by_email(self, email: str) -> User | None:
        wanted = canonical_email(email)
        return self._find(lambda u: canonical_email(u.email) == wanted)

    async def update(self, user: User) -> None:
        self._check_unique(user)
        stored = self._store.users[user.id]
        # Counters belong to the follow/tweet repositories, as in SQL: never written back.
        self._store.users[user.id] = dataclasses.replace(
            user,
            followers_count=stored.followers_count,
            following_count=stored.following_count,
            tweets_count=stored.tweets_count,
        )

    def _find(self, matches: Callable[[User], bool]) -> User | None:
        for user in self._store.users.values():
            if matches(user):
                return dataclasses.replace(user)
        return None

    def _check_unique(self, user: User) -> None:
        for other in self._store.users.values():
            if other.id == user.id:
                continue
            if canonical_username(other.username) == canonical_username(user.username):
                raise UsernameTaken
            if canonical_email(other.email) == canonical_email(user.email):
                raise EmailTaken
