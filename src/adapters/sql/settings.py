from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.dialect import upsert
from adapters.sql.tables import settings as settings_table
from application.ports.settings import SettingsRepository
from domain.settings import RuntimeSettings


class SqlSettingsRepository(SettingsRepository):
    """One row per setting ever changed; a save upserts the rows of the settings it
    changes, so concurrent saves of different settings all stand, and of the same one the
    last to commit wins."""

    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def load(self) -> RuntimeSettings:
        rows = (await self._db.execute(select(settings_table))).all()
        return RuntimeSettings.from_stored({row.key: json.loads(row.value) for row in rows})

    async def save(self, changes: Mapping[str, int]) -> None:
        if not changes:
            return
        rows = [{"key": key, "value": json.dumps(value)} for key, value in sorted(changes.items())]
        await self._db.execute(upsert(self._db, settings_table, update=["value"]).values(rows))
