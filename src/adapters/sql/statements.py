"""How Chirp runs SQL: SQLAlchemy Core statements, compiled once per dialect, executed on
the database driver's own connection, past SQLAlchemy's execution layer.

Why (measured on this project's machine with ``bench/``): one primary-key SELECT through an
``AsyncSession`` cost about 400 µs of a worker's CPU, through asyncpg directly about 130 µs;
a login's three writes with their BEGIN and COMMIT about 770 µs through the session, 440 µs
on the driver. Checking a connection out of SQLAlchemy's pool and back costs about 40 µs,
more than a primary-key query, so reads keep their connections (``ReadConnections``).

The statements stay SQLAlchemy Core, with SQLAlchemy's own type processing on the way in and
out (UTC datetimes, SQLite's integer booleans), so SQLite (aiosqlite) and PostgreSQL
(asyncpg) run the same code; no other driver is supported (``drivers.driver_for``).

Two ways to run one, and an adapter says which it takes:
- in a use case's transaction, through its ``SqlUnitOfWork`` (``unit_of_work.py``): every
  write, and the reads a writing use case makes once it holds its locks or must see its own
  writes;
- outside any transaction, through ``ReadConnections`` (``read_connections.py``): reads of
  committed state, by the read-only use cases and by the lookups a writing use case makes
  before it starts writing (its writes then re-check what they depend on).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Delete, Dialect, Insert, Select, Update

Processor = Callable[[Any], Any]
Writing = Insert | Update | Delete
Builder = Callable[[str], Writing]


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    names: tuple[str, ...]
    defaults: dict[str, Any]
    binders: tuple[Processor | None, ...]
    returns_rows: bool
    row: Callable[..., Any]
    processors: tuple[tuple[int, Processor], ...]

    @classmethod
    def of(
        cls, statement: Any, dialect: Dialect, column_keys: Sequence[str] | None = None
    ) -> Compiled:
        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        names = tuple(compiled.positiontup or ())
        columns = list(statement.exported_columns)  # a SELECT's columns, or RETURNING's
        processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]
        return cls(
            sql=compiled.string,
            names=names,
            # Constants the compiler made binds of (SQLite's OFFSET); named binds are required.
            defaults={
                name: value
                for name, value in compiled.params.items()
                if not compiled.binds[name].required
            },
            binders=tuple(
                compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                for name in names
            ),
            returns_rows=bool(columns),
            row=namedtuple("Row", [column.key for column in columns] or ["_"], rename=True),
            processors=tuple((i, p) for i, p in enumerate(processors) if p is not None),
        )

    def arguments(self, params: dict[str, Any]) -> list[Any]:
        values = self.defaults | params
        return [
            value if bind is None else bind(value)
            for value, bind in zip([values[name] for name in self.names], self.binders, strict=True)
        ]

    def rows(self, records: Sequence[Any]) -> list[Any]:
        if not self.processors:
            return [self.row(*record) for record in records]
        rows = []
        for record in records:
            fields = list(record)
            for index, process in self.processors:
                fields[index] = process(fields[index])
            rows.append(self.row(*fields))
        return rows


class ReadQuery:
    """A Core SELECT with named ``bindparam``s, compiled once per dialect.

    Rows come back as named tuples with the statement's column keys.
    """

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[str, Compiled] = {}

    def compiled(self, dialect: Dialect) -> Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = Compiled.of(self.statement, dialect)
        return compiled

    def sql(self, dialect: Dialect) -> str:
        """The statement's text in ``dialect``, as the database receives it (for EXPLAIN)."""
        return self.compiled(dialect).sql


class WriteStatement:
    """A Core INSERT, UPDATE or DELETE, compiled once per dialect and set of parameters.

    As with SQLAlchemy's ``execute(statement, params)``, parameters named after columns are
    the values to write; the others fill the statement's ``bindparam``s (its WHERE).
    ``build`` makes the statement for a dialect's name when it differs between dialects
    (``ON CONFLICT DO NOTHING``).
    """

    def __init__(self, statement: Writing | None = None, *, build: Builder | None = None) -> None:
        if build is None:
            if statement is None:
                raise TypeError("give a statement or a builder")
            fixed = statement
            build = lambda _dialect: fixed  # noqa: E731
        self._build = build
        self._compiled: dict[tuple[str, tuple[str, ...]], Compiled] = {}

    def compiled(self, dialect: Dialect, names: tuple[str, ...]) -> Compiled:
        key = (dialect.name, names)
        compiled = self._compiled.get(key)
        if compiled is None:
            statement = self._build(dialect.name)
            compiled = self._compiled[key] = Compiled.of(statement, dialect, names)
        return compiled
