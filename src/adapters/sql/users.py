from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from adapters.sql.database import Reads
from adapters.sql.statements import ReadQuery, WriteStatement
from adapters.sql.tables import users
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.user_lookup import UserLookup
from application.ports.users import UserRepository
from domain.errors import Conflict, EmailTaken, UsernameTaken, UserNotFound
from domain.search import fold
from domain.users import Profile, User, canonical_email, canonical_username


def user_from_row(row: Any) -> User:
    return User(
        id=row.id,
        username=row.username,
        email=row.email,
        password_hash=row.password_hash,
        first_name=row.first_name,
        last_name=row.last_name,
        bio=row.bio,
        avatar=row.avatar,
        is_admin=row.is_admin,
        is_active=row.is_active,
        created_at=row.created_at,
        last_login=row.last_login,
        password_changed_at=row.password_changed_at,
        deactivated_at=row.deactivated_at,
        followers_count=row.followers_count,
        following_count=row.following_count,
        tweets_count=row.tweets_count,
    )


def _new_row(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "username_canonical": canonical_username(user.username),
        "email": user.email,
        "email_canonical": canonical_email(user.email),
        "password_hash": user.password_hash,
        "first_name": user.first_name,
        "first_name_canonical": fold(user.first_name),
        "last_name_canonical": fold(user.last_name),
        "last_name": user.last_name,
        "bio": user.bio,
        "avatar": user.avatar,
        "is_admin": user.is_admin,
        "is_active": user.is_active,
        "created_at": user.created_at,
        "last_login": user.last_login,
        "password_changed_at": user.password_changed_at,
        "deactivated_at": user.deactivated_at,
    }


def _conflict(error: IntegrityError) -> Conflict | None:
    """The uniqueness rule an insert or update broke, from the constraint's name."""
    message = str(error.orig)
    if "username_canonical" in message:
        return UsernameTaken()
    if "email_canonical" in message:
        return EmailTaken()
    return None


def _user_where(column: Any) -> ReadQuery:
    return ReadQuery(select(users).where(column == bindparam("key")))


_BY_ID = _user_where(users.c.id)
_BY_USERNAME = _user_where(users.c.username_canonical)
_BY_EMAIL = _user_where(users.c.email_canonical)
_INSERT = WriteStatement(insert(users).returning(users.c.id))
# Each write names its columns as parameters: only those are set.
_SET = WriteStatement(update(users).where(users.c.id == bindparam("user_id")))
_DEACTIVATE = WriteStatement(
    update(users)
    .where(users.c.id == bindparam("user_id"), users.c.is_active.is_(True))
    .values(is_active=False, deactivated_at=bindparam("now"))
)
_AVATAR = ReadQuery(select(users.c.avatar).where(users.c.id == bindparam("key")))
# Compare-and-set: only while the avatar is still the one read (NULL included).
_SWAP_AVATAR = WriteStatement(
    update(users)
    .where(
        users.c.id == bindparam("user_id"),
        users.c.avatar.is_not_distinct_from(bindparam("old", type_=users.c.avatar.type)),
    )
    .values(avatar=bindparam("new", type_=users.c.avatar.type))
)
_UPGRADE_HASH = WriteStatement(
    update(users)
    .where(users.c.id == bindparam("user_id"), users.c.password_hash == bindparam("old"))
    .values(password_hash=bindparam("new"))
)
# Conditional on the hash the caller verified: on PostgreSQL the UPDATE takes the row's lock,
# and one that waited on a concurrent password change re-checks the hash after it commits.
_RECORD_LOGIN = WriteStatement(
    update(users)
    .where(
        users.c.id == bindparam("user_id"),
        users.c.password_hash == bindparam("verified_hash"),
        users.c.is_active.is_(True),
    )
    .values(last_login=bindparam("now"))
)
_CHANGE_PASSWORD = WriteStatement(
    update(users)
    .where(users.c.id == bindparam("user_id"), users.c.password_hash == bindparam("verified_hash"))
    .values(password_hash=bindparam("new_hash"), password_changed_at=bindparam("now"))
)

# A write that changes nothing, for its lock: the row's on PostgreSQL (FOR NO KEY UPDATE, as
# any update of non-key columns). On SQLite the transaction holds the database's write lock
# from its BEGIN (``drivers.AiosqliteDriver``).
_LOCK = WriteStatement(
    update(users).where(users.c.id == bindparam("user_id")).values(is_admin=users.c.is_admin)
)


class _UserQueries:
    """Users by id, username or email, through ``reads``: the read connections, or a unit
    of work's transaction."""

    def __init__(self, reads: Reads) -> None:
        self._reads = reads

    async def get(self, user_id: int) -> User | None:
        return await self._one(_BY_ID, user_id)

    async def get_by_username(self, username: str) -> User | None:
        if "\x00" in username:  # PostgreSQL text cannot hold NUL, so nothing can match
            return None
        return await self._one(_BY_USERNAME, canonical_username(username))

    async def get_by_email(self, email: str) -> User | None:
        if "\x00" in email:
            return None
        return await self._one(_BY_EMAIL, canonical_email(email))

    async def _one(self, query: ReadQuery, key: object) -> User | None:
        row = await self._reads.first(query, key=key)
        return None if row is None else user_from_row(row)


class SqlUserLookup(_UserQueries, UserLookup):
    """Users as committed, read outside any transaction (on a replica when the request
    allows it)."""

    def __init__(self, connections: Reads) -> None:
        super().__init__(connections)


class SqlUserRepository(_UserQueries, UserRepository):
    """Users in the use case's transaction (``SqlUnitOfWork``): reads see its writes, and
    each write sets only the columns it is named for, so it never writes back what was read
    (a profile edit does not undo a deactivation or a password change committed meanwhile).
    """

    def __init__(self, uow: SqlUnitOfWork) -> None:
        super().__init__(uow)
        self._statements = uow

    async def add(self, user: User) -> User:
        try:
            user.id = await self._statements.scalar(_INSERT, **_new_row(user)) or 0
        except IntegrityError as error:
            raise (_conflict(error) or error) from error
        return user

    async def change_username(self, user_id: int, username: str) -> None:
        await self._set(user_id, username=username, username_canonical=canonical_username(username))

    async def change_email(self, user_id: int, email: str) -> None:
        await self._set(user_id, email=email, email_canonical=canonical_email(email))

    async def change_profile(self, user_id: int, profile: Profile) -> None:
        await self._set(
            user_id,
            first_name=profile.first_name,
            last_name=profile.last_name,
            bio=profile.bio,
            first_name_canonical=fold(profile.first_name),
            last_name_canonical=fold(profile.last_name),
        )

    async def set_admin(self, user_id: int, is_admin: bool) -> None:
        await self._set(user_id, is_admin=is_admin)

    async def deactivate(self, user_id: int, now: datetime) -> None:
        await self._statements.execute(_DEACTIVATE, user_id=user_id, now=now)

    async def reactivate(self, user_id: int) -> None:
        await self._set(user_id, is_active=True)

    async def _set(self, user_id: int, **columns: object) -> None:
        try:
            await self._statements.execute(_SET, **columns, user_id=user_id)
        except IntegrityError as error:
            raise (_conflict(error) or error) from error

    async def replace_avatar(self, user_id: int, avatar: str | None) -> str | None:
        # Read, then write only if unchanged; else another replacement won: read again. On
        # PostgreSQL a writer that waited on the row's lock re-checks the condition after the
        # other commits; on SQLite writers run one at a time.
        while True:
            row = await self._statements.first(_AVATAR, key=user_id)
            if row is None:
                raise UserNotFound
            swapped = await self._statements.execute(
                _SWAP_AVATAR, user_id=user_id, old=row.avatar, new=avatar
            )
            if swapped:
                return cast("str | None", row.avatar)

    async def upgrade_password_hash(self, user_id: int, old: str, new: str) -> None:
        await self._statements.execute(_UPGRADE_HASH, user_id=user_id, old=old, new=new)

    async def record_login(self, user_id: int, verified_hash: str, now: datetime) -> bool:
        changed = await self._statements.execute(
            _RECORD_LOGIN, user_id=user_id, verified_hash=verified_hash, now=now
        )
        return changed == 1

    async def change_password(
        self, user_id: int, verified_hash: str, new_hash: str, now: datetime
    ) -> bool:
        changed = await self._statements.execute(
            _CHANGE_PASSWORD,
            user_id=user_id,
            verified_hash=verified_hash,
            new_hash=new_hash,
            now=now,
        )
        return changed == 1

    async def lock(self, user_ids: Collection[int]) -> None:
        for user_id in sorted(user_ids):
            await self._statements.execute(_LOCK, user_id=user_id)
