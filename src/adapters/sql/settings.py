from __future__ import annotations

import json

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.tables import settings as settings_table
from application.ports.settings import SettingsRepository
from domain.settings import RuntimeSettings


class SqlSettingsRepository(SettingsRepository):
    """One row per setting that differs from nothing: every key is written on save."""

    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def load(self) -> RuntimeSettings:
        rows = (await self._db.execute(select(settings_table))).all()
        return RuntimeSettings.from_stored({row.key: json.loads(row.value) for row in rows})

    async def save(self, settings: RuntimeSettings) -> None:
        values = settings.as_dict()
        await self._db.execute(delete(settings_table).where(settings_table.c.key.in_(values)))
        await self._db.execute(
            insert(settings_table),
            [{"key": key, "value": json.dumps(value)} for key, value in values.items()],
        )
