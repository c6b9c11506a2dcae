"""Blocks and mutes, written in the use case's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete

from adapters.sql.dialect import insert_or_ignore
from adapters.sql.relationships import BETWEEN
from adapters.sql.statements import WriteStatement
from adapters.sql.tables import blocks, mutes
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.relationships import BlockRepository, MuteRepository
from domain.relationships import Mute

_BLOCK = WriteStatement(
    build=lambda dialect: insert_or_ignore(dialect, blocks).returning(blocks.c.id)
)
_UNBLOCK = WriteStatement(
    delete(blocks)
    .where(blocks.c.blocker_id == bindparam("blocker"), blocks.c.blocked_id == bindparam("blocked"))
    .returning(blocks.c.id)
)
_UNMUTE = WriteStatement(
    delete(mutes)
    .where(mutes.c.muter_id == bindparam("muter"), mutes.c.muted_id == bindparam("muted"))
    .returning(mutes.c.id)
)
_MUTE = WriteStatement(build=lambda dialect: insert_or_ignore(dialect, mutes))


class SqlBlockRepository(BlockRepository):
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._statements = uow

    async def block(self, blocker_id: int, blocked_id: int, now: datetime) -> bool:
        inserted = await self._statements.scalar(
            _BLOCK, blocker_id=blocker_id, blocked_id=blocked_id, created_at=now
        )
        return inserted is not None

    async def unblock(self, blocker_id: int, blocked_id: int) -> bool:
        deleted = await self._statements.scalar(_UNBLOCK, blocker=blocker_id, blocked=blocked_id)
        return deleted is not None

    async def between(self, user_id: int, other_id: int) -> bool:
        row = await self._statements.first(BETWEEN, user=user_id, other=other_id)
        return bool(row is not None and row.blocked)


class SqlMuteRepository(MuteRepository):
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._statements = uow

    async def mute(self, mute: Mute) -> None:
        # A new row (a new id) rather than an update: the mute is then the most recent in
        # /me/mutes. Of two racing mutes, the later insert finds the row taken and the first
        # one's terms stand, as if it had come second.
        await self._statements.scalar(_UNMUTE, muter=mute.muter_id, muted=mute.muted_id)
        await self._statements.execute(
            _MUTE,
            muter_id=mute.muter_id,
            muted_id=mute.muted_id,
            created_at=mute.created_at,
            expires_at=mute.expires_at,
            notifications=mute.notifications,
        )

    async def unmute(self, muter_id: int, muted_id: int) -> bool:
        deleted = await self._statements.scalar(_UNMUTE, muter=muter_id, muted=muted_id)
        return deleted is not None
