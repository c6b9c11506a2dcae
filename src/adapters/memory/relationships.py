"""Blocks and mutes in memory."""

from __future__ import annotations

from datetime import datetime

from adapters.memory.store import MemoryStore
from application.ports.relationships import (
    BlockRepository,
    MutedUser,
    MuteRepository,
    RelationshipReader,
)
from application.ports.user_reader import ProfileView, UserSummary
from domain.relationships import Mute, Relationship
from domain.users import User, canonical_username, is_username


class InMemoryBlockRepository(BlockRepository):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def block(self, blocker_id: int, blocked_id: int, now: datetime) -> bool:
        if (blocker_id, blocked_id) in self._store.blocks:
            return False
        self._store.blocks[blocker_id, blocked_id] = self._store.next_id()
        return True

    async def unblock(self, blocker_id: int, blocked_id: int) -> bool:
        return self._store.blocks.pop((blocker_id, blocked_id), None) is not None

    async def between(self, user_id: int, other_id: int) -> bool:
        return self._store.blocked_between(user_id, other_id)


class InMemoryMuteRepository(MuteRepository):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def mute(self, mute: Mute) -> None:
        self._store.mutes.pop((mute.muter_id, mute.muted_id), None)
        self._store.mutes[mute.muter_id, mute.muted_id] = (self._store.next_id(), mute)

    async def unmute(self, muter_id: int, muted_id: int) -> bool:
        return self._store.mutes.pop((muter_id, muted_id), None) is not None


class InMemoryRelationshipReader(RelationshipReader):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def _summary(self, user_id: int) -> UserSummary:
        user = self._store.users[user_id]
        return UserSummary(user.id, user.username, user.avatar)

    async def blocked_between(self, user_id: int, other_id: int) -> bool:
        return self._store.blocked_between(user_id, other_id)

    async def user_named(self, username: str, viewer_id: int) -> tuple[User, bool] | None:
        wanted = canonical_username(username) if is_username(username) else None
        for user in self._store.users.values():
            if canonical_username(user.username) == wanted:
                return user, self._store.blocked_between(viewer_id, user.id)
        return None

    async def relationships(
        self, viewer_id: int, usernames: list[str], now: datetime
    ) -> list[Relationship]:
        by_name = {canonical_username(u.username): u for u in self._store.users.values()}
        found = []
        for name in usernames:
            user = by_name.get(canonical_username(name)) if is_username(name) else None
            if user is None:
                continue
            store, other = self._store, user.id
            found.append(
                Relationship(
                    user.username,
                    following=(viewer_id, other) in store.follows,
                    followed_by=(other, viewer_id) in store.follows,
                    blocking=(viewer_id, other) in store.blocks,
                    blocked_by=(other, viewer_id) in store.blocks,
                    muting=store.muting(viewer_id, other, now),
                )
            )
        return found

    async def blocks(
        self, viewer_id: int, before: int | None, limit: int
    ) -> list[tuple[int, UserSummary]]:
        rows = [
            (block_id, self._summary(blocked))
            for (blocker, blocked), block_id in self._store.blocks.items()
            if blocker == viewer_id and (before is None or block_id < before)
        ]
        return sorted(rows, key=lambda row: row[0], reverse=True)[:limit]

    async def mutes(
        self, viewer_id: int, now: datetime, before: int | None, limit: int
    ) -> list[tuple[int, MutedUser]]:
        rows = [
            (mute_id, MutedUser(self._summary(muted), mute.expires_at, mute.notifications))
            for (muter, muted), (mute_id, mute) in self._store.mutes.items()
            if muter == viewer_id and mute.in_force(now) and (before is None or mute_id < before)
        ]
        return sorted(rows, key=lambda row: row[0], reverse=True)[:limit]


def profile_view(
    store: MemoryStore, user: User, viewer_id: int | None, now: datetime
) -> ProfileView:
    """The user's public profile, with how the viewer stands with them (None: anonymous)."""

    def flag(value: bool) -> bool | None:
        return None if viewer_id is None else value

    viewer, other = viewer_id or 0, user.id
    return ProfileView(
        id=user.id,
        username=user.username,
        first_name=user.first_name,
        last_name=user.last_name,
        bio=user.bio,
        avatar=user.avatar,
        created_at=user.created_at,
        followers_count=user.followers_count,
        following_count=user.following_count,
        tweets_count=user.tweets_count,
        followed_by_me=flag((viewer, other) in store.follows),
        follows_me=flag((other, viewer) in store.follows),
        blocking=flag((viewer, other) in store.blocks),
        blocked_by=flag((other, viewer) in store.blocks),
        muting=flag(store.muting(viewer, other, now)),
    )
