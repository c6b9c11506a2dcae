"""Counting the SQL statements the app sends, where the database driver sees them."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
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


# What a request's count leaves out: transaction control, and the reads of the settings and
# of recent deactivations, which come and go with their caches rather than with the request.
NOT_COUNTED = re.compile(
    r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b|.*\bFROM settings\b"
    r"|.*\bFROM users\s+WHERE users\.deactivated_at >=",
    re.I | re.S,
)


async def sent_by(
    http: httpx.AsyncClient,
    log: StatementLog,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> tuple[httpx.Response, list[str]]:
    """One request (a GET, or a POST of ``body``) that must succeed, and the statements it
    sent but those ``NOT_COUNTED``."""
    await asyncio.sleep(0)
    log.statements.clear()
    if body is None:
        response = await http.get(url, headers=headers)
        assert response.status_code == 200, response.text
    else:
        response = await http.post(url, json=body, headers=headers)
        assert response.status_code == 201, response.text
    await asyncio.sleep(0)
    return response, [sql for sql in log.statements if not NOT_COUNTED.match(sql)]
