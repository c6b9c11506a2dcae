"""Several instances migrating one new PostgreSQL database at once (``chirp serve`` applies
pending migrations at start): they take turns, and every one of them starts."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import text
from sqlalchemy.engine import make_url

from adapters.sql.engine import create_engine
from adapters.sql.migrate import upgrade


async def test_instances_starting_together_all_migrate_a_new_database(postgres_url: str) -> None:
    name = f"chirp_together_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        make_url(postgres_url).set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    async with admin.connect() as connection:
        await connection.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    engines = [create_engine(url) for _ in range(4)]
    try:
        # Without taking turns they block one another on the same new tables for ever.
        async with asyncio.timeout(60):
            await asyncio.gather(*(upgrade(engine) for engine in engines))
        async with engines[0].connect() as connection:
            versions = (
                await connection.execute(text("SELECT version_num FROM alembic_version"))
            ).all()
            assert len(versions) == 1
            assert (await connection.execute(text("SELECT count(*) FROM users"))).scalar() == 0
    finally:
        for engine in engines:
            await engine.dispose()
        async with admin.connect() as connection:
            await connection.execute(text(f"DROP DATABASE {name}"))
        await admin.dispose()
