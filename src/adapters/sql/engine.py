from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.sql.hosts import HostByHost

SQLITE_BUSY_TIMEOUT_MS = 5000
_REPLACED = "chirp.replaced_closed_connection"


def create_engine(
    database_url: str,
    *,
    sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    connect_timeout: float | None = None,
    statement_timeout: float | None = None,
    **options: Any,
) -> AsyncEngine:
    """An async engine for any SQLAlchemy URL, tuned for its backend.

    On SQLite a write that finds the database locked is retried by SQLite itself for
    ``sqlite_busy_timeout_ms``, then fails ("database is locked": a 503).

    SQL parameters (password hashes, e-mail addresses, tokens' hashes) never appear in an
    error's text, and so never in a log line: ``hide_parameters``.

    On PostgreSQL (asyncpg), ``connect_timeout`` bounds opening a connection and
    ``statement_timeout`` each statement (asyncpg's ``command_timeout``, on the client: it
    holds when the server does not answer at all); either ends in a ``TimeoutError``, which
    is an outage (a 503) and discards the connection. None: wait as long as it takes
    (migrations). Give ``pool_timeout`` to bound the wait for a free pooled connection.
    """
    options.setdefault("hide_parameters", True)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            options.pop("pool_timeout", None)  # one connection, never waited for
        engine = create_async_engine(url, **options)

        def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            _sqlite_pragmas(dbapi_connection, sqlite_busy_timeout_ms)

        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        return engine
    options.setdefault("pool_size", 20)
    options.setdefault("max_overflow", 10)
    if url.get_driver_name() == "asyncpg":
        connect_args = options.setdefault("connect_args", {})
        if connect_timeout is not None:
            connect_args.setdefault("timeout", connect_timeout)
        if statement_timeout is not None:
            connect_args.setdefault("command_timeout", statement_timeout)
        # Several hosts (a failover list): each gets the whole connect timeout in turn.
        connect_args.setdefault("async_creator_fn", HostByHost())
    engine = create_async_engine(url, **options)
    if url.get_driver_name() == "asyncpg":
        event.listen(engine.sync_engine, "checkout", _refuse_closed_connection)
    return engine


def _refuse_closed_connection(_dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A free pre-ping: asyncpg sees a server-closed socket (a restart) on its own, so the
    pool replaces such a connection instead of handing it out. ``pool_pre_ping`` would cost
    three round trips (BEGIN; ping; ROLLBACK) on every checkout.

    If the replacement is closed as well (the server was shutting down), the pool would give
    up with a bare ``InvalidRequestError``; a connection error says what happened (a 503).
    """
    if not proxy.driver_connection.is_closed():
        record.record_info.pop(_REPLACED, None)
        return
    if record.record_info.pop(_REPLACED, False):
        raise ConnectionResetError("the database closed a new connection at once")
    record.record_info[_REPLACED] = True
    raise DisconnectionError


def _sqlite_pragmas(dbapi_connection: Any, busy_timeout_ms: int) -> None:
    # WAL lets readers run beside the single writer; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
