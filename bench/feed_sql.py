"""The home feed's SQL, exactly as ``SqlTweetReader.home`` issues it, for ``pgbench``."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.tweet_reader import SqlTweetReader

# A reader id no dataset has, replaced by pgbench's variable after compiling.
_SENTINEL = 8_765_432_109_876


class _CapturingSession:
    """Stands in for the AsyncSession: records the statements instead of running them."""

    def __init__(self) -> None:
        self.statements: list[Any] = []

    async def execute(self, statement: Any) -> list[Any]:
        self.statements.append(statement)
        return []


def home_feed_sql(limit: int, variable: str = "reader") -> str:
    """The page-1 feed statement (``limit`` rows) with ``:variable`` as the reader's id."""
    session = _CapturingSession()
    reader = SqlTweetReader(cast(AsyncSession, session))
    asyncio.run(reader.home(_SENTINEL, None, limit))
    if len(session.statements) != 1:
        raise RuntimeError(f"SqlTweetReader.home issued {len(session.statements)} statements")
    compiled = session.statements[0].compile(
        dialect=make_url("postgresql+asyncpg://").get_dialect()(),
        compile_kwargs={"literal_binds": True},
    )
    sql = str(compiled)
    if str(_SENTINEL) not in sql:
        raise RuntimeError("the reader id does not appear in the feed statement")
    return sql.replace(str(_SENTINEL), f":{variable}")
