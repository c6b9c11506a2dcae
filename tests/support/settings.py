"""Runtime settings written straight into the database, before an app first reads them."""

from __future__ import annotations

import json

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.tables import settings as settings_table


async def store_settings(engine: AsyncEngine, **values: int) -> None:
    """Set runtime settings as an admin's PATCH would have (an app that has read them
    already keeps its copy for up to 2 s)."""
    async with engine.begin() as connection:
        await connection.execute(delete(settings_table).where(settings_table.c.key.in_(values)))
        await connection.execute(
            insert(settings_table),
            [{"key": key, "value": json.dumps(value)} for key, value in values.items()],
        )
