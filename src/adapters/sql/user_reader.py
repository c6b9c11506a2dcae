from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, exists, null, select

from adapters.sql.keyset import newest_first, page_params
from adapters.sql.statements import ReadQuery
from adapters.sql.tables import follows, users
from adapters.sql.users import SqlUserLookup, user_from_row
from application.ports.user_reader import ActiveUser, ProfileView, UserReader, UserSummary
from domain.users import User


def profiles(signed_in: bool) -> Select[Any]:
    """Users with ``followed_by_me`` (of ``:viewer``; NULL for an anonymous viewer)."""
    followed: Any = (
        exists().where(
            follows.c.follower_id == bindparam("viewer"), follows.c.followee_id == users.c.id
        )
        if signed_in
        else null()
    )
    return select(users, followed.label("followed_by_me"))


def profile_of(row: Any) -> ProfileView:
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


def _follow_list(owner: Any, other: Any, paged: bool) -> Select[Any]:
    statement = (
        select(follows.c.id.label("key"), users.c.id, users.c.username, users.c.avatar)
        .join(users, users.c.id == other)
        .where(owner == bindparam("user"))
    )
    return newest_first(statement, follows.c.id, paged)


_PROFILE = {
    signed_in: ReadQuery(profiles(signed_in).where(users.c.id == bindparam("user")))
    for signed_in in (False, True)
}
_FOLLOWERS = {
    paged: ReadQuery(_follow_list(follows.c.followee_id, follows.c.follower_id, paged))
    for paged in (False, True)
}
_FOLLOWING = {
    paged: ReadQuery(_follow_list(follows.c.follower_id, follows.c.followee_id, paged))
    for paged in (False, True)
}
_NEWEST = {
    paged: ReadQuery(newest_first(select(users), users.c.id, paged)) for paged in (False, True)
}
_RECENTLY_ACTIVE = ReadQuery(
    select(users.c.username, users.c.last_login)
    .where(users.c.is_active.is_(True), users.c.last_login.is_not(None))
    .order_by(users.c.last_login.desc(), users.c.id.desc())
    .limit(bindparam("limit"))
)


class SqlUserReader(SqlUserLookup, UserReader):
    """Profiles and lists of users, as committed, outside any transaction."""

    async def profile(self, user_id: int, viewer_id: int | None) -> ProfileView | None:
        viewer = {} if viewer_id is None else {"viewer": viewer_id}
        row = await self._reads.first(_PROFILE[viewer_id is not None], user=user_id, **viewer)
        return None if row is None else profile_of(row)

    async def followers(
        self, user_id: int, before: int | None, limit: int
    ) -> list[tuple[int, UserSummary]]:
        return await self._summaries(_FOLLOWERS[before is not None], user_id, before, limit)

    async def following(
        self, user_id: int, before: int | None, limit: int
    ) -> list[tuple[int, UserSummary]]:
        return await self._summaries(_FOLLOWING[before is not None], user_id, before, limit)

    async def recently_active(self, limit: int) -> list[ActiveUser]:
        rows = await self._reads.all(_RECENTLY_ACTIVE, limit=limit)
        return [ActiveUser(row.username, row.last_login) for row in rows]

    async def newest(self, before: int | None, limit: int) -> list[tuple[int, User]]:
        rows = await self._reads.all(_NEWEST[before is not None], **page_params(before, limit))
        return [(row.id, user_from_row(row)) for row in rows]

    async def _summaries(
        self, query: ReadQuery, user_id: int, before: int | None, limit: int
    ) -> list[tuple[int, UserSummary]]:
        rows = await self._reads.all(query, user=user_id, **page_params(before, limit))
        return [(row.key, UserSummary(row.id, row.username, row.avatar)) for row in rows]
