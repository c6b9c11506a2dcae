from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 5000


def create_engine(database_url: str, **options: Any) -> AsyncEngine:
    """An async engine for any SQLAlchemy URL, tuned for its backend."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, **options)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    options.setdefault("pool_size", 20)
    options.setdefault("max_overflow", 10)
    engine = create_async_engine(url, **options)
    if url.get_driver_name() == "asyncpg":
        event.listen(engine.sync_engine, "checkout", _refuse_closed_connection)
    return engine


def _refuse_closed_connection(_dbapi_connection: Any, _record: Any, proxy: Any) -> None:
    """A free pre-ping: asyncpg sees a server-closed socket (a restart) on its own, so the
    pool replaces such a connection instead of handing it out. ``pool_pre_ping`` would cost
    three round trips (BEGIN; ping; ROLLBACK) on every checkout."""
    if proxy.driver_connection.is_closed():
        raise DisconnectionError


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the single writer; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
