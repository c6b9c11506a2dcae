"""The little that differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_or_ignore(session: AsyncSession, table: Table) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the session's dialect (both support it)."""
    return insert_or_ignore_in(session.get_bind().dialect.name, table)


def insert_or_ignore_in(dialect: str, table: Table) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the named dialect."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing()


def upsert(session: AsyncSession, table: Table, update: list[str]) -> Any:
    """``INSERT ... ON CONFLICT (primary key) DO UPDATE`` of the ``update`` columns, in the
    session's dialect (both support it)."""
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return insert.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={column: insert.excluded[column] for column in update},
    )
