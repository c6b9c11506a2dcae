"""Keyset pages as Core statements: newest (largest key) first, below a cursor when given;
or oldest first, above it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam


def newest_first(statement: Select[Any], key: Any, after_cursor: bool) -> Select[Any]:
    """``statement`` paged on ``key``, with ``:limit`` and, after a cursor, ``:before``."""
    if after_cursor:
        statement = statement.where(key < bindparam("before"))
    return statement.order_by(key.desc()).limit(bindparam("limit"))


def oldest_first(statement: Select[Any], key: Any, after_cursor: bool) -> Select[Any]:
    """``statement`` paged on ``key`` ascending, with ``:limit`` and, after a cursor,
    ``:after``."""
    if after_cursor:
        statement = statement.where(key > bindparam("after"))
    return statement.order_by(key.asc()).limit(bindparam("limit"))


def oldest_page_params(after: int | None, limit: int) -> dict[str, Any]:
    return {"limit": limit} if after is None else {"limit": limit, "after": after}


def page_params(before: int | None, limit: int) -> dict[str, Any]:
    return {"limit": limit} if before is None else {"limit": limit, "before": before}
