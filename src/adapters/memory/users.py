from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from datetime import datetime

from adapters.memory.store import MemoryStore
from application.ports.users import UserRepository
from domain.errors import EmailTaken, UsernameTaken, UserNotFound
from domain.users import Profile, User, canonical_email, canonical_username


class InMemoryUserRepository(UserRepository):
    """Users in a ``MemoryStore``; every user given out is a copy, and each write changes
    only the fields it is named for."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def add(self, user: User) -> User:
        self._check_unique(user)
        user.id = self._store.next_id()
        self._store.users[user.id] = dataclasses.replace(user)
        return user

    async def get(self, user_id: int) -> User | None:
        user = self._store.users.get(user_id)
        return None if user is None else self._copy(user)

    async def get_by_username(self, username: str) -> User | None:
        wanted = canonical_username(username)
        return self._find(lambda u: canonical_username(u.username) == wanted)

    async def get_by_email(self, email: str) -> User | None:
        wanted = canonical_email(email)
        return self._find(lambda u: canonical_email(u.email) == wanted)

    async def change_username(self, user_id: int, username: str) -> None:
        self._set(user_id, username=username)

    async def change_email(self, user_id: int, email: str) -> None:
        self._set(user_id, email=email)

    async def change_profile(self, user_id: int, profile: Profile) -> None:
        self._set(
            user_id, first_name=profile.first_name, last_name=profile.last_name, bio=profile.bio
        )

    async def set_admin(self, user_id: int, is_admin: bool) -> None:
        self._set(user_id, is_admin=is_admin)

    async def deactivate(self, user_id: int, now: datetime) -> None:
        if self._store.users[user_id].is_active:
            self._set(user_id, is_active=False, deactivated_at=now)

    async def reactivate(self, user_id: int) -> None:
        self._set(user_id, is_active=True)

    def _set(self, user_id: int, **fields: object) -> None:
        updated = dataclasses.replace(self._store.users[user_id], **fields)  # type: ignore[arg-type]
        self._check_unique(updated)
        self._store.users[user_id] = updated

    async def replace_avatar(self, user_id: int, avatar: str | None) -> str | None:
        stored = self._store.users.get(user_id)
        if stored is None:
            raise UserNotFound
        self._store.users[user_id] = dataclasses.replace(stored, avatar=avatar)
        return stored.avatar

    async def upgrade_password_hash(self, user_id: int, old: str, new: str) -> None:
        stored = self._store.users[user_id]
        if stored.password_hash == old:
            self._store.users[user_id] = dataclasses.replace(stored, password_hash=new)

    def _find(self, matches: Callable[[User], bool]) -> User | None:
        for user in self._store.users.values():
            if matches(user):
                return self._copy(user)
        return None

    def _copy(self, stored: User) -> User:
        return dataclasses.replace(stored)

    def _check_unique(self, user: User) -> None:
        for other in self._store.users.values():
            if other.id == user.id:
                continue
            if canonical_username(other.username) == canonical_username(user.username):
                raise UsernameTaken
            if canonical_email(other.email) == canonical_email(user.email):
                raise EmailTaken

    async def record_login(self, user_id: int, verified_hash: str, now: datetime) -> bool:
        stored = self._store.users.get(user_id)
        if stored is None or stored.password_hash != verified_hash or not stored.is_active:
            return False
        self._store.users[user_id] = dataclasses.replace(stored, last_login=now)
        return True

    async def change_password(
        self, user_id: int, verified_hash: str, new_hash: str, now: datetime
    ) -> bool:
        stored = self._store.users.get(user_id)
        if stored is None or stored.password_hash != verified_hash:
            return False
        self._store.users[user_id] = dataclasses.replace(
            stored, password_hash=new_hash, password_changed_at=now
        )
        return True

    async def lock(self, user_ids: Collection[int]) -> None:
        """Nothing to hold: the in-memory store serves one use case at a time (unit tests,
        a REPL)."""
