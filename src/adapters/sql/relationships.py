"""What blocks and mutes hide, as SQL predicates that the statements building a list put in
their WHERE clause: a list leaves the hidden out before it takes a page, so a page is never
short and its cursor stays right.

Each predicate probes an index per row it judges: ``blocks`` in both directions (a block
separates two accounts both ways), ``mutes`` by (muter, muted), a mute counting while its
``expires_at`` (NULL: never) is ahead of ``now``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, exists, or_, select

from adapters.sql.database import Reads
from adapters.sql.keyset import newest_first, page_params
from adapters.sql.statements import ReadQuery
from adapters.sql.tables import Id, UtcDateTime, blocks, follows, mutes, users
from adapters.sql.users import user_from_row
from application.ports.relationships import MutedUser, RelationshipReader
from application.ports.user_reader import UserSummary
from domain.relationships import MAX_RELATIONSHIP_NAMES, Relationship
from domain.users import User, canonical_username, is_username


def blocked_between(viewer: Any, other: Any) -> Any:
    """Whether ``viewer`` blocks ``other`` or ``other`` blocks ``viewer``."""
    return or_(
        exists().where(blocks.c.blocker_id == viewer, blocks.c.blocked_id == other),
        exists().where(blocks.c.blocker_id == other, blocks.c.blocked_id == viewer),
    )


def unblocked(viewer: Any, other: Any) -> Any:
    """Neither blocks the other: two anti-join probes, one per direction."""
    return and_(
        ~exists().where(blocks.c.blocker_id == viewer, blocks.c.blocked_id == other),
        ~exists().where(blocks.c.blocker_id == other, blocks.c.blocked_id == viewer),
    )


def mute_in_force(viewer: Any, other: Any, now: Any) -> Any:
    return and_(
        mutes.c.muter_id == viewer,
        mutes.c.muted_id == other,
        or_(mutes.c.expires_at.is_(None), mutes.c.expires_at > now),
    )


def unmuted(viewer: Any, other: Any, now: Any) -> Any:
    """``viewer`` has no mute of ``other`` in force at ``now``."""
    return ~exists().where(mute_in_force(viewer, other, now))


def _flag(condition: Any) -> Any:
    return exists().where(condition)


def _relationships(size: int) -> Select[Any]:
    viewer = bindparam("viewer", type_=Id)
    now = bindparam("now", type_=UtcDateTime)
    other = users.c.id
    return select(
        users.c.username,
        users.c.username_canonical,
        _flag(and_(follows.c.follower_id == viewer, follows.c.followee_id == other)).label(
            "following"
        ),
        _flag(and_(followers.c.follower_id == other, followers.c.followee_id == viewer)).label(
            "followed_by"
        ),
        _flag(and_(blocks.c.blocker_id == viewer, blocks.c.blocked_id == other)).label("blocking"),
        _flag(and_(blocked_by.c.blocker_id == other, blocked_by.c.blocked_id == viewer)).label(
            "blocked_by"
        ),
        _flag(mute_in_force(viewer, other, now)).label("muting"),
    ).where(users.c.username_canonical.in_([bindparam(f"n{i}") for i in range(size)]))


followers = follows.alias("followers")
blocked_by = blocks.alias("blocked_by")

# Statements for up to this many names, the rest of the placeholders NULL.
_NAME_BATCHES = (4, 16, MAX_RELATIONSHIP_NAMES)
_RELATIONSHIPS = {size: ReadQuery(_relationships(size)) for size in _NAME_BATCHES}


def _user_list(table: Any, owner: Any, other: Any, paged: bool, *extra: Any) -> Select[Any]:
    statement = (
        select(table.c.id.label("key"), users.c.id, users.c.username, users.c.avatar, *extra)
        .join(users, users.c.id == other)
        .where(owner == bindparam("viewer"))
    )
    return newest_first(statement, table.c.id, paged)


_BLOCKS = {
    paged: ReadQuery(_user_list(blocks, blocks.c.blocker_id, blocks.c.blocked_id, paged))
    for paged in (False, True)
}
_MUTES = {
    paged: ReadQuery(
        _user_list(
            mutes,
            mutes.c.muter_id,
            mutes.c.muted_id,
            paged,
            mutes.c.expires_at,
            mutes.c.notifications,
        ).where(or_(mutes.c.expires_at.is_(None), mutes.c.expires_at > bindparam("now")))
    )
    for paged in (False, True)
}
BETWEEN = ReadQuery(
    select(
        blocked_between(bindparam("user", type_=Id), bindparam("other", type_=Id)).label("blocked")
    )
)


_USER_NAMED = ReadQuery(
    select(
        users,
        blocked_between(bindparam("viewer", type_=Id), users.c.id).label("blocked"),
    ).where(users.c.username_canonical == bindparam("name"))
)


class SqlRelationshipReader(RelationshipReader):
    def __init__(self, connections: Reads) -> None:
        self._reads = connections

    async def blocked_between(self, user_id: int, other_id: int) -> bool:
        row = await self._reads.first(BETWEEN, user=user_id, other=other_id)
        return bool(row is not None and row.blocked)

    async def user_named(self, username: str, viewer_id: int) -> tuple[User, bool] | None:
        if not is_username(username):
            return None
        row = await self._reads.first(
            _USER_NAMED, name=canonical_username(username), viewer=viewer_id
        )
        return None if row is None else (user_from_row(row), bool(row.blocked))

    async def relationships(
        self, viewer_id: int, usernames: list[str], now: datetime
    ) -> list[Relationship]:
        wanted = [canonical_username(name) for name in usernames if is_username(name)]
        if not wanted:
            return []
        size = next(size for size in _NAME_BATCHES if size >= len(wanted))
        names = {f"n{i}": wanted[i] if i < len(wanted) else None for i in range(size)}
        rows = await self._reads.all(_RELATIONSHIPS[size], viewer=viewer_id, now=now, **names)
        found = {row.username_canonical: row for row in rows}
        return [
            Relationship(
                row.username,
                following=bool(row.following),
                followed_by=bool(row.followed_by),
                blocking=bool(row.blocking),
                blocked_by=bool(row.blocked_by),
                muting=bool(row.muting),
            )
            for name in wanted
            if (row := found.get(name)) is not None
        ]

    async def blocks(
        self, viewer_id: int, before: int | None, limit: int
    ) -> list[tuple[int, UserSummary]]:
        rows = await self._reads.all(
            _BLOCKS[before is not None], viewer=viewer_id, **page_params(before, limit)
        )
        return [(row.key, UserSummary(row.id, row.username, row.avatar)) for row in rows]

    async def mutes(
        self, viewer_id: int, now: datetime, before: int | None, limit: int
    ) -> list[tuple[int, MutedUser]]:
        rows = await self._reads.all(
            _MUTES[before is not None], viewer=viewer_id, now=now, **page_params(before, limit)
        )
        return [
            (
                row.key,
                MutedUser(
                    UserSummary(row.id, row.username, row.avatar),
                    row.expires_at,
                    bool(row.notifications),
                ),
            )
            for row in rows
        ]
