"""Which database failures mean "the database cannot answer now" (a ``DependencyUnavailable``,
which the HTTP layer answers with 503), as opposed to a wrong statement (a bug).

Every failure of a statement, a transaction or a connection checkout passes through
``database_error``; it is the one place this rule lives.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from application.errors import DependencyUnavailable

DATABASE = "database"
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
# A broken constraint, as each driver reports it.
DRIVER_INTEGRITY: tuple[type[BaseException], ...] = (
    sqlite3.IntegrityError,
    asyncpg.IntegrityConstraintViolationError,
)
# The network failing (a connect or statement timeout is asyncpg's bare TimeoutError), or
# SQLAlchemy's pool finding no free connection in time.
_NETWORK: tuple[type[BaseException], ...] = (OSError, TimeoutError, PoolTimeoutError)


class TransactionConflict(DependencyUnavailable):
    """The server rolled the transaction back to resolve a conflict with another (a
    deadlock, a serialization failure); the connection is fine."""

    def __init__(self) -> None:
        super().__init__(DATABASE, "transaction conflict, try again")


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


def database_error(error: BaseException, sql: str | None = None) -> BaseException:
    """What an adapter raises for ``error``, a failure of a call to the database: a
    ``DependencyUnavailable`` if the database cannot answer now, SQLAlchemy's
    ``IntegrityError`` (without the values, which stay out of logs) for a broken constraint,
    else ``error`` itself (a bug: a 500)."""
    if isinstance(error, DependencyUnavailable | IntegrityError):
        return error
    if isinstance(error, DRIVER_INTEGRITY):
        return IntegrityError(sql, None, error, hide_parameters=True)
    causes = list(_causes(error))
    if any(isinstance(cause, DRIVER_CONFLICT) for cause in causes):
        return TransactionConflict()
    if isinstance(error, _NETWORK) or any(isinstance(c, DRIVER_UNAVAILABLE) for c in causes):
        return DependencyUnavailable(DATABASE, type(error).__name__)
    # A network failure under SQLAlchemy's own error (never any OSError of the app's), or
    # a connection SQLAlchemy found dead.
    if isinstance(error, SQLAlchemyError) and (
        (isinstance(error, DBAPIError) and error.connection_invalidated)
        or any(isinstance(cause, _NETWORK) for cause in causes[1:])
    ):
        return DependencyUnavailable(DATABASE, type(error).__name__)
    return error


def reusable_after(error: BaseException) -> bool:
    """Whether a connection is still fit for use after a statement failed with ``error``
    (as translated by ``database_error``): after a broken constraint or a conflict the
    server is fine and a rollback ends the transaction; after anything else (a lost
    connection, a timeout with the statement maybe still running, a cancelled call, a
    bug) the connection's state is unknown and it is discarded."""
    return isinstance(error, IntegrityError | TransactionConflict)
