from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from application.ports.transaction import TransactionManager


class SqlTransactionManager(TransactionManager):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def commit(self) -> None:
        await self._session.commit()
