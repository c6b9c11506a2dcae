"""Which database errors mean "the database cannot answer now" (a 503), not a wrong statement."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

logger = logging.getLogger("chirp.database")

# Driver errors of a lost or refused connection, a server shutting down or starting up, a
# locked SQLite file or an overloaded server (asyncpg.InterfaceError is also misuse, rarely).
DRIVER_UNAVAILABLE: tuple[type[BaseException], ...] = (
    sqlite3.OperationalError,  # "database is locked" once the busy timeout is spent
    asyncpg.InterfaceError,  # "connection is closed"
    asyncpg.PostgresConnectionError,  # 08xxx, e.g. "connection does not exist"
    asyncpg.OperatorInterventionError,  # 57xxx: admin shutdown, "starting up", "shutting down"
    asyncpg.InsufficientResourcesError,  # 53xxx, e.g. too many connections
    # The driver's protocol state is broken, e.g. "cannot switch to state 12; another
    # operation (2) is in progress": the server's FATAL "terminating connection" (a
    # shutdown) was read on an idle connection, the end of its stream not yet, and the
    # connection was used in between. Such a connection can only be discarded.
    asyncpg.InternalClientError,
)
# A transaction the server rolled back to resolve a conflict with others (40001 serialization
# failure, 40P01 deadlock): nothing is wrong with the request, it may simply be tried again.
DRIVER_CONFLICT: tuple[type[BaseException], ...] = (asyncpg.TransactionRollbackError,)
# Errors of a call known to be talking to the database: the above, or the network failing.
UNAVAILABLE: tuple[type[BaseException], ...] = (OSError, TimeoutError, *DRIVER_UNAVAILABLE)


def _causes(error: BaseException) -> Iterator[BaseException]:
    """``error`` and what it was raised from (or while handling), outermost first."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        if current.__cause__ is not None:
            current = current.__cause__
        elif isinstance(current, DBAPIError) and isinstance(current.orig, BaseException):
            current = current.orig
        else:
            current = None if current.__suppress_context__ else current.__context__


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database is unreachable, restarting or locked.

    SQLAlchemy marks a connection it found dead (``connection_invalidated``), but not every
    such failure: asyncpg's "the database system is starting up" while connecting arrives
    as a plain ``DBAPIError`` (or as the dialect's emulated DB-API ``Error``, from a raw
    pool checkout), so the driver's error among the causes decides.
    """
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    causes = list(_causes(error))
    if any(isinstance(cause, DRIVER_UNAVAILABLE) for cause in causes):
        return True
    # A network failure under SQLAlchemy's own error (never any OSError of the app's).
    return isinstance(error, SQLAlchemyError) and any(
        isinstance(cause, (OSError, TimeoutError)) for cause in causes[1:]
    )


def transaction_conflict(error: BaseException) -> bool:
    """Whether ``error`` is the server rolling a transaction back to resolve a conflict (a
    deadlock, a serialization failure): a 503 to retry, as psycopg reports it (as an
    ``OperationalError``), where asyncpg's error would otherwise be a bare ``DBAPIError``."""
    return any(isinstance(cause, DRIVER_CONFLICT) for cause in _causes(error))


async def close_session(session: AsyncSession) -> None:
    """Close a request's session. If its connection died while a transaction was open (a
    database restart), the server has already rolled that transaction back and SQLAlchemy
    has invalidated the connection, so the failed ROLLBACK is only logged: raised, it would
    escape the request's scope after its response (a 503 or a domain error) was sent."""
    try:
        await session.close()
    except Exception as error:
        if not database_unavailable(error):
            raise
        logger.warning("session closed on a lost connection: %s", type(error).__name__)
