from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, bindparam, exists, null, select

from adapters.sql.database import Reads
from adapters.sql.keyset import newest_first, page_params
from adapters.sql.relationships import mute_in_force, unblocked
from adapters.sql.statements import ReadQuery
from adapters.sql.tables import Id, UtcDateTime, blocks, follows, users
from adapters.sql.users import SqlUserLookup, user_from_row
from application.ports.clock import Clock
from application.ports.user_reader import ActiveUser, ProfileView, UserReader, UserSummary
from domain.users import User

_followers = follows.alias("followers")
_blocked_by = blocks.alias("blocked_by")


def profiles(signed_in: bool) -> Select[Any]:
    """Users with how ``:viewer`` stands with each (``followed_by_me``, ``follows_me``,
    ``blocking``, ``blocked_by``, ``muting`` at ``:now``; NULL for an anonymous viewer),
    one index probe each."""
    if not signed_in:
        flags = [null().label(name) for name in _FLAGS]
        return select(users, *flags)
    viewer, other = bindparam("viewer", type_=Id), users.c.id
    conditions = (
        and_(follows.c.follower_id == viewer, follows.c.followee_id == other),
        and_(_followers.c.follower_id == other, _followers.c.followee_id == viewer),
        and_(blocks.c.blocker_id == viewer, blocks.c.blocked_id == other),
        and_(_blocked_by.c.blocker_id == other, _blocked_by.c.blocked_id == viewer),
        mute_in_force(viewer, other, bindparam("now", type_=UtcDateTime)),
    )
    return select(
        users,
        *(exists().where(c).label(name) for name, c in zip(_FLAGS, conditions, strict=True)),
    )


_FLAGS = ("followed_by_me", "follows_me", "blocking", "blocked_by", "muting")


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


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
        followed_by_me=_flag(row.followed_by_me),
        follows_me=_flag(row.follows_me),
        blocking=_flag(row.blocking),
        blocked_by=_flag(row.blocked_by),
        muting=_flag(row.muting),
    )


def _follow_list(owner: Any, other: Any, signed_in: bool, paged: bool) -> Select[Any]:
    """For a signed-in viewer, without the accounts a block separates from the viewer."""
    statement = (
        select(follows.c.id.label("key"), users.c.id, users.c.username, users.c.avatar)
        .join(users, users.c.id == other)
        .where(owner == bindparam("user"))
    )
    if signed_in:
        statement = statement.where(unblocked(bindparam("viewer", type_=Id), users.c.id))
    return newest_first(statement, follows.c.id, paged)


_PROFILE = {
    signed_in: ReadQuery(profiles(signed_in).where(users.c.id == bindparam("user")))
    for signed_in in (False, True)
}
_FOLLOWERS = {
    (signed_in, paged): ReadQuery(
        _follow_list(follows.c.followee_id, follows.c.follower_id, signed_in, paged)
    )
    for signed_in in (False, True)
    for paged in (False, True)
}
_FOLLOWING = {
    (signed_in, paged): ReadQuery(
        _follow_list(follows.c.follower_id, follows.c.followee_id, signed_in, paged)
    )
    for signed_in in (False, True)
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


def viewer_params(viewer_id: int | None, clock: Clock) -> dict[str, Any]:
    """The parameters of ``profiles`` for a viewer (none when anonymous)."""
    return {} if viewer_id is None else {"viewer": viewer_id, "now": clock.now()}


class SqlUserReader(SqlUserLookup, UserReader):
    """Profiles and lists of users, as committed, outside any transaction; a mute counts
    while it is in force by ``clock``."""

    def __init__(self, connections: Reads, clock: Clock) -> None:
        super().__init__(connections)
        self._clock = clock

    async def profile(self, user_id: int, viewer_id: int | None) -> ProfileView | None:
        viewer = viewer_params(viewer_id, self._clock)
        row = await self._reads.first(_PROFILE[viewer_id is not None], user=user_id, **viewer)
        return None if row is None else profile_of(row)

    async def followers(
        self, user_id: int, before: int | None, limit: int, viewer_id: int | None = None
    ) -> list[tuple[int, UserSummary]]:
        query = _FOLLOWERS[viewer_id is not None, before is not None]
        return await self._summaries(query, user_id, before, limit, viewer_id)

    async def following(
        self, user_id: int, before: int | None, limit: int, viewer_id: int | None = None
    ) -> list[tuple[int, UserSummary]]:
        query = _FOLLOWING[viewer_id is not None, before is not None]
        return await self._summaries(query, user_id, before, limit, viewer_id)

    async def recently_active(self, limit: int) -> list[ActiveUser]:
        rows = await self._reads.all(_RECENTLY_ACTIVE, limit=limit)
        return [ActiveUser(row.username, row.last_login) for row in rows]

    async def newest(self, before: int | None, limit: int) -> list[tuple[int, User]]:
        rows = await self._reads.all(_NEWEST[before is not None], **page_params(before, limit))
        return [(row.id, user_from_row(row)) for row in rows]

    async def _summaries(
        self, query: ReadQuery, user_id: int, before: int | None, limit: int, viewer_id: int | None
    ) -> list[tuple[int, UserSummary]]:
        viewer = {} if viewer_id is None else {"viewer": viewer_id}
        rows = await self._reads.all(query, user=user_id, **viewer, **page_params(before, limit))
        return [(row.key, UserSummary(row.id, row.username, row.avatar)) for row in rows]
