from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.tables import refresh_tokens, sessions
from application.ports.sessions import SessionRepository
from domain.sessions import RefreshToken, Session

# Built once: the values come as execution parameters, so SQLAlchemy reuses the statement.
_INSERT_SESSION = insert(sessions).returning(sessions.c.id)
_INSERT_TOKEN = insert(refresh_tokens).returning(refresh_tokens.c.id)


class SqlSessionRepository(SessionRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def add_session(self, session: Session) -> Session:
        session.id = (
            await self._db.scalar(
                _INSERT_SESSION,
                {
                    "user_id": session.user_id,
                    "created_at": session.created_at,
                    "revoked_at": session.revoked_at,
                },
            )
            or 0
        )
        return session

    async def get_session(self, session_id: int) -> Session | None:
        row = (await self._db.execute(select(sessions).where(sessions.c.id == session_id))).first()
        if row is None:
            return None
        return Session(
            id=row.id, user_id=row.user_id, created_at=row.created_at, revoked_at=row.revoked_at
        )

    async def revoke_session(self, session_id: int, now: datetime) -> None:
        await self._db.execute(
            update(sessions)
            .where(sessions.c.id == session_id, sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def revoke_user_sessions(
        self, user_id: int, now: datetime, *, keep_session_id: int | None = None
    ) -> None:
        statement = update(sessions).where(
            sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None)
        )
        if keep_session_id is not None:
            statement = statement.where(sessions.c.id != keep_session_id)
        await self._db.execute(statement.values(revoked_at=now))

    async def add_token(self, token: RefreshToken) -> RefreshToken:
        token.id = (
            await self._db.scalar(
                _INSERT_TOKEN,
                {
                    "session_id": token.session_id,
                    "user_id": token.user_id,
                    "token_hash": token.token_hash,
                    "parent_id": token.parent_id,
                    "created_at": token.created_at,
                    "expires_at": token.expires_at,
                    "rotated_at": token.rotated_at,
                },
            )
            or 0
        )
        return token

    async def get_token_by_hash(self, token_hash: str) -> RefreshToken | None:
        row = (
            await self._db.execute(
                select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
            )
        ).first()
        if row is None:
            return None
        return RefreshToken(
            id=row.id,
            session_id=row.session_id,
            user_id=row.user_id,
            token_hash=row.token_hash,
            parent_id=row.parent_id,
            created_at=row.created_at,
            expires_at=row.expires_at,
            rotated_at=row.rotated_at,
        )

    async def mark_rotated(self, token_id: int, now: datetime) -> bool:
        # A conditional UPDATE, not read-then-write: the database lets exactly one
        # concurrent caller see rotated_at IS NULL.
        result: CursorResult[Any] = await self._db.execute(  # type: ignore[assignment]
            update(refresh_tokens)
            .where(refresh_tokens.c.id == token_id, refresh_tokens.c.rotated_at.is_(None))
            .values(rotated_at=now)
        )
        return result.rowcount == 1
