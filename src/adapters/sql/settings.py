from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from adapters.sql.database import ReadConnections
from adapters.sql.dialect import upsert
from adapters.sql.statements import ReadQuery, WriteStatement
from adapters.sql.tables import settings as settings_table
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.settings import SettingsRepository, StoredSettings
from domain.settings import RuntimeSettings

_ALL = ReadQuery(select(settings_table))
_SAVE = WriteStatement(build=lambda dialect: upsert(dialect, settings_table, update=["value"]))


def _settings(rows: list[Any]) -> RuntimeSettings:
    return RuntimeSettings.from_stored({row.key: json.loads(row.value) for row in rows})


class SqlStoredSettings(StoredSettings):
    """The settings as committed, read outside any transaction."""

    def __init__(self, connections: ReadConnections) -> None:
        self._reads = connections

    async def load(self) -> RuntimeSettings:
        return _settings(await self._reads.all(_ALL))


class SqlSettingsRepository(SettingsRepository):
    """One row per setting ever changed, in the use case's transaction; a save upserts the
    rows of the settings it changes, so concurrent saves of different settings all stand,
    and of the same one the last to commit wins."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._statements = uow

    async def load(self) -> RuntimeSettings:
        return _settings(await self._statements.all(_ALL))

    async def save(self, changes: Mapping[str, int]) -> None:
        for key, value in sorted(changes.items()):  # in key order: no deadlock between saves
            await self._statements.execute(_SAVE, key=key, value=json.dumps(value))
