from __future__ import annotations

from typing import Any

from sqlalchemy import exists, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.tables import follows, users
from adapters.sql.users import user_from_row
from application.ports.user_reader import ActiveUser, ProfileView, UserReader, UserSummary
from domain.users import User


class SqlUserReader(UserReader):
    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def profile(self, user_id: int, viewer_id: int | None) -> ProfileView | None:
        followed: Any = (
            exists().where(follows.c.follower_id == viewer_id, follows.c.followee_id == users.c.id)
            if viewer_id is not None
            else literal(None)
        )
        row = (
            await self._db.execute(
                select(users, followed.label("followed_by_me")).where(users.c.id == user_id)
            )
        ).first()
        if row is None:
            return None
        return ProfileView(
            id=row.id,
            username=row.username,
            first_name=row.first_name,
            last_name=row.last_name,
            bio=row.bio,
            avatar=row.avatar,
            created_at=row.created_at,
            followers_count=row.followers_count,
            following_count=row.following_count,
            tweets_count=row.tweets_count,
            followed_by_me=None if row.followed_by_me is None else bool(row.followed_by_me),
        )

    async def followers(
        self, user_id: int, before: int | None, limit: int
    ) -> list[tuple[int, UserSummary]]:
        return await self._follow_list(
            follows.c.followee_id, follows.c.follower_id, user_id, before, limit
        )

    async def following(
        self, user_id: int, before: int | None, limit: int
    ) -> list[tuple[int, UserSummary]]:
        return await self._follow_list(
            follows.c.follower_id, follows.c.followee_id, user_id, before, limit
        )

    async def recently_active(self, limit: int) -> list[ActiveUser]:
        rows = await self._db.execute(
            select(users.c.username, users.c.last_login)
            .where(users.c.is_active.is_(True), users.c.last_login.is_not(None))
            .order_by(users.c.last_login.desc(), users.c.id.desc())
            .limit(limit)
        )
        return [ActiveUser(row.username, row.last_login) for row in rows]

    async def newest(self, before: int | None, limit: int) -> list[tuple[int, User]]:
        statement = select(users)
        if before is not None:
            statement = statement.where(users.c.id < before)
        rows = await self._db.execute(statement.order_by(users.c.id.desc()).limit(limit))
        return [(row.id, user_from_row(row)) for row in rows]

    async def _follow_list(
        self, owner: Any, other: Any, user_id: int, before: int | None, limit: int
    ) -> list[tuple[int, UserSummary]]:
        statement = (
            select(follows.c.id.label("key"), users.c.id, users.c.username, users.c.avatar)
            .join(users, users.c.id == other)
            .where(owner == user_id)
        )
        if before is not None:
            statement = statement.where(follows.c.id < before)
        rows = await self._db.execute(statement.order_by(follows.c.id.desc()).limit(limit))
        return [(row.key, UserSummary(row.id, row.username, row.avatar)) for row in rows]
