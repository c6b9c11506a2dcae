from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete

from adapters.sql.dialect import insert_or_ignore
from adapters.sql.statements import WriteStatement
from adapters.sql.tables import bookmarks
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.bookmarks import BookmarkRepository

_BOOKMARK = WriteStatement(build=lambda dialect: insert_or_ignore(dialect, bookmarks))
_REMOVE = WriteStatement(
    delete(bookmarks).where(
        bookmarks.c.user_id == bindparam("user"), bookmarks.c.tweet_id == bindparam("tweet")
    )
)


class SqlBookmarkRepository(BookmarkRepository):
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._statements = uow

    async def bookmark(self, user_id: int, tweet_id: int, now: datetime) -> None:
        await self._statements.execute(
            _BOOKMARK, user_id=user_id, tweet_id=tweet_id, created_at=now
        )

    async def remove(self, user_id: int, tweet_id: int) -> None:
        await self._statements.execute(_REMOVE, user=user_id, tweet=tweet_id)
