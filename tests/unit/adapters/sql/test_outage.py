"""The one rule of which database failures are outages (503) and which are bugs (500)."""

from __future__ import annotations

import sqlite3

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy.dialects.postgresql.psycopg import PGDialectAsync_psycopg
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from adapters.sql.drivers import SUPPORTED_DRIVERS, driver_for
from adapters.sql.outage import TransactionConflict, database_error, reusable_after
from application.errors import DependencyUnavailable
from entrypoints import config


@pytest.mark.parametrize(
    "failure",
    [
        sqlite3.OperationalError("database is locked"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError(),
        PoolTimeoutError("QueuePool limit of size 20 overflow 10 reached"),
    ],
    ids=type,
)
def test_a_database_that_cannot_answer_is_unavailable_and_its_connection_discarded(
    failure: Exception,
) -> None:
    error = database_error(failure, "SELECT 1")
    assert isinstance(error, DependencyUnavailable)
    assert not isinstance(error, TransactionConflict)
    assert error.dependency == "database"
    assert not reusable_after(error)


def test_a_transaction_the_server_rolled_back_is_unavailable_but_its_connection_kept() -> None:
    error = database_error(asyncpg.DeadlockDetectedError("deadlock detected"), "UPDATE users")
    assert isinstance(error, TransactionConflict)
    assert reusable_after(error)


def test_a_broken_constraint_is_an_integrity_error_without_its_values() -> None:
    failure = sqlite3.IntegrityError("UNIQUE constraint failed: users.username_canonical")
    error = database_error(failure, "INSERT INTO users (username) VALUES (?)")
    assert isinstance(error, IntegrityError)
    assert error.hide_parameters
    assert "username_canonical" in str(error)
    assert reusable_after(error)


@pytest.mark.parametrize(
    "bug", [ValueError("bad argument"), asyncpg.UndefinedColumnError("column x does not exist")]
)
def test_anything_else_is_left_as_it_is(bug: Exception) -> None:
    assert database_error(bug, "SELECT x") is bug
    assert not reusable_after(bug)


def test_chirp_runs_only_on_aiosqlite_and_asyncpg() -> None:
    with pytest.raises(ValueError, match="aiosqlite or asyncpg, not psycopg"):
        driver_for(PGDialectAsync_psycopg())


def test_the_configuration_accepts_exactly_the_drivers_there_are() -> None:
    assert config.SUPPORTED_DRIVERS == SUPPORTED_DRIVERS
