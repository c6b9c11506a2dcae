"""The little that differs between SQLite and PostgreSQL, by dialect name (for a
``WriteStatement``'s ``build``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, func
from sqlalchemy.dialects import postgresql, sqlite


def _insert(dialect: str, table: Table) -> Any:
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def insert_or_ignore(dialect: str, table: Table) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` (both support it)."""
    return _insert(dialect, table).on_conflict_do_nothing()


def upsert(dialect: str, table: Table, update: list[str]) -> Any:
    """``INSERT ... ON CONFLICT (primary key) DO UPDATE`` of the ``update`` columns (both
    support it)."""
    insert = _insert(dialect, table)
    return insert.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={column: insert.excluded[column] for column in update},
    )


def upsert_when(dialect: str, table: Table, update: list[str], when: Callable[[Any], Any]) -> Any:
    """``INSERT ... ON CONFLICT (primary key) DO UPDATE`` of the ``update`` columns, only
    where ``when(excluded)`` holds of the stored row and the new one (``excluded``)."""
    insert = _insert(dialect, table)
    return insert.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={column: insert.excluded[column] for column in update},
        where=when(insert.excluded),
    )


def upsert_keeping_greatest(dialect: str, table: Table, column: str) -> Any:
    """``INSERT ... ON CONFLICT (primary key) DO UPDATE`` that keeps the greater of the
    stored and the new ``column`` (a value that only ever rises)."""
    insert = _insert(dialect, table)
    greatest = func.greatest if dialect == "postgresql" else func.max  # SQLite's scalar max
    return insert.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={column: greatest(table.c[column], insert.excluded[column])},
    )


def upsert_setting(dialect: str, table: Table, set_: dict[str, Any], where: Any = None) -> Any:
    """``INSERT ... ON CONFLICT (primary key) DO UPDATE SET`` ``set_`` (expressions of the
    stored row), only ``where`` it holds."""
    return _insert(dialect, table).on_conflict_do_update(
        index_elements=list(table.primary_key.columns), set_=set_, where=where
    )
