"""Counting the SQL statements the app sends, where the database driver sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import create_engine


@dataclass
class StatementLog:
    """Every statement the app's database connections executed, in order."""

    statements: list[str] = field(default_factory=list)

    def record(self, sql: str) -> None:
        self.statements.append(sql)


def counting_engine(url: str, log: StatementLog) -> AsyncEngine:
    """The app's engine, made as in production, with every statement recorded in ``log``.

    SQLite: the sqlite3 trace callback of each connection sees every statement SQLite runs.
    asyncpg: its query logger sees what runs through the connection's own ``fetch`` and
    ``execute``, which is every statement of the app (``adapters/sql/statements.py``).
    """
    engine = create_engine(url)

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        if engine.dialect.driver == "asyncpg":
            dbapi_connection.driver_connection.add_query_logger(
                lambda query: log.record(query.query)
            )
        else:  # aiosqlite: runs on its thread, so the order of statements is kept
            dbapi_connection.run_async(lambda driver: driver.set_trace_callback(log.record))

    event.listen(engine.sync_engine, "connect", on_connect)
    return engine
