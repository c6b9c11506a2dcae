from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, insert, select, update

from adapters.sql.statements import ReadQuery, WriteStatement
from adapters.sql.tables import refresh_tokens, sessions
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.sessions import SessionRepository
from domain.sessions import RefreshToken, Session

_INSERT_SESSION = WriteStatement(insert(sessions).returning(sessions.c.id))
_INSERT_TOKEN = WriteStatement(insert(refresh_tokens).returning(refresh_tokens.c.id))
_SESSION = ReadQuery(select(sessions).where(sessions.c.id == bindparam("session_id")))
_TOKEN = ReadQuery(select(refresh_tokens).where(refresh_tokens.c.token_hash == bindparam("hash")))
# A conditional UPDATE, not read-then-write: the database lets exactly one concurrent caller
# see rotated_at IS NULL.
_MARK_ROTATED = WriteStatement(
    update(refresh_tokens)
    .where(refresh_tokens.c.id == bindparam("token_id"), refresh_tokens.c.rotated_at.is_(None))
    .values(rotated_at=bindparam("now"))
)
_REVOKE = WriteStatement(
    update(sessions)
    .where(sessions.c.id == bindparam("session_id"), sessions.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("now"))
)
_REVOKE_ALL = WriteStatement(
    update(sessions)
    .where(sessions.c.user_id == bindparam("owner"), sessions.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("now"))
)
_REVOKE_OTHERS = WriteStatement(
    update(sessions)
    .where(
        sessions.c.user_id == bindparam("owner"),
        sessions.c.revoked_at.is_(None),
        sessions.c.id != bindparam("keep"),
    )
    .values(revoked_at=bindparam("now"))
)


class SqlSessionRepository(SessionRepository):
    """Sessions and refresh tokens, in the use case's transaction."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._statements = uow

    async def add_session(self, session: Session) -> Session:
        session.id = (
            await self._statements.scalar(
                _INSERT_SESSION,
                user_id=session.user_id,
                created_at=session.created_at,
                revoked_at=session.revoked_at,
            )
            or 0
        )
        return session

    async def get_session(self, session_id: int) -> Session | None:
        row = await self._statements.first(_SESSION, session_id=session_id)
        if row is None:
            return None
        return Session(
            id=row.id, user_id=row.user_id, created_at=row.created_at, revoked_at=row.revoked_at
        )

    async def revoke_session(self, session_id: int, now: datetime) -> None:
        await self._statements.execute(_REVOKE, session_id=session_id, now=now)

    async def revoke_user_sessions(
        self, user_id: int, now: datetime, *, keep_session_id: int | None = None
    ) -> None:
        if keep_session_id is None:
            await self._statements.execute(_REVOKE_ALL, owner=user_id, now=now)
        else:
            await self._statements.execute(
                _REVOKE_OTHERS, owner=user_id, keep=keep_session_id, now=now
            )

    async def add_token(self, token: RefreshToken) -> RefreshToken:
        token.id = (
            await self._statements.scalar(
                _INSERT_TOKEN,
                session_id=token.session_id,
                user_id=token.user_id,
                token_hash=token.token_hash,
                parent_id=token.parent_id,
                created_at=token.created_at,
                expires_at=token.expires_at,
                rotated_at=token.rotated_at,
            )
            or 0
        )
        return token

    async def get_token_by_hash(self, token_hash: str) -> RefreshToken | None:
        row = await self._statements.first(_TOKEN, hash=token_hash)
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
        return await self._statements.execute(_MARK_ROTATED, token_id=token_id, now=now) == 1
