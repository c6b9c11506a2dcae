"""Applying the Alembic migrations, from the command line or a test."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


# Any number, the same in every process: the key of the lock migrations take on PostgreSQL.
_MIGRATION_LOCK = 0x63686972  # "chir"


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database's schema up to ``revision``.

    On PostgreSQL the migrations run under a transaction-level advisory lock: instances
    started together (``chirp serve`` migrates at start) take turns, and the later ones find
    nothing left to do instead of creating the same tables at once.
    """
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
            )
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))
