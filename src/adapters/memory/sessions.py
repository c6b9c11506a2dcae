from __future__ import annotations

import dataclasses
from datetime import datetime

from adapters.memory.store import MemoryStore
from application.ports.sessions import SessionRepository
from domain.sessions import RefreshToken, Session


class InMemorySessionRepository(SessionRepository):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def add_session(self, session: Session) -> Session:
        session.id = self._store.next_id()
        self._store.sessions[session.id] = dataclasses.replace(session)
        return session

    async def get_session(self, session_id: int) -> Session | None:
        session = self._store.sessions.get(session_id)
        return None if session is None else dataclasses.replace(session)

    async def revoke_session(self, session_id: int, now: datetime) -> None:
        session = self._store.sessions.get(session_id)
        if session is not None:
            session.revoke(now)

    async def revoke_user_sessions(
        self, user_id: int, now: datetime, *, keep_session_id: int | None = None
    ) -> None:
        for session in self._store.sessions.values():
            if session.user_id == user_id and session.id != keep_session_id:
                session.revoke(now)

    async def add_token(self, token: RefreshToken) -> RefreshToken:
        token.id = self._store.next_id()
        self._store.refresh_tokens[token.id] = dataclasses.replace(token)
        return token

    async def get_token_by_hash(self, token_hash: str) -> RefreshToken | None:
        for token in self._store.refresh_tokens.values():
            if token.token_hash == token_hash:
                return dataclasses.replace(token)
        return None

    async def mark_rotated(self, token_id: int, now: datetime) -> bool:
        token = self._store.refresh_tokens.get(token_id)
        if token is None or token.is_rotated:
            return False
        token.rotated_at = now
        return True
