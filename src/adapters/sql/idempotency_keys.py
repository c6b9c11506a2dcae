from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, select, update

from adapters.sql.database import Database
from adapters.sql.dialect import insert_or_ignore
from adapters.sql.statements import ReadQuery, WriteStatement
from adapters.sql.tables import idempotency_keys as table
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.idempotency_keys import (
    IdempotencyKeys,
    IdempotencyRecord,
    KeyedRequest,
    StoredResponse,
)

T = TypeVar("T")

# The row of one claim: its user, endpoint and key, and (for writes) its token.
_OF_KEY = (
    table.c.user_id == bindparam("of_user"),
    table.c.endpoint == bindparam("of_endpoint"),
    table.c.key == bindparam("of_key"),
)
_OF_CLAIM = (*_OF_KEY, table.c.token == bindparam("of_token"))

# ON CONFLICT DO NOTHING on (user_id, endpoint, key): of racing claims, the database lets
# one insert; the others wait for it to commit, then insert nothing and read its row.
_INSERT = WriteStatement(build=lambda dialect: insert_or_ignore(dialect, table))
_FIND = ReadQuery(select(table).where(*_OF_KEY))
_REPLACE = WriteStatement(
    update(table)
    .where(*_OF_CLAIM)
    .values(
        fingerprint=bindparam("new_fingerprint"),
        token=bindparam("new_token"),
        created_at=bindparam("new_created_at"),
        status=None,
        headers=None,
        body=None,
    )
)
_COMPLETE = WriteStatement(
    update(table)
    .where(*_OF_CLAIM)
    .values(
        status=bindparam("new_status"),
        headers=bindparam("new_headers"),
        body=bindparam("new_body"),
    )
)
_RELEASE = WriteStatement(delete(table).where(*_OF_CLAIM))
_PURGE = WriteStatement(delete(table).where(table.c.created_at < bindparam("before")))


def _of_key(request: KeyedRequest) -> dict[str, Any]:
    return {"of_user": request.user_id, "of_endpoint": request.endpoint, "of_key": request.key}


def _of_claim(record: IdempotencyRecord) -> dict[str, Any]:
    return {**_of_key(record.request), "of_token": record.token}


def _record(row: Any) -> IdempotencyRecord:
    request = KeyedRequest(row.user_id, row.endpoint, row.key, row.fingerprint)
    response = None
    if row.status is not None:
        headers = tuple((str(name), str(value)) for name, value in json.loads(row.headers))
        response = StoredResponse(row.status, headers, bytes(row.body or b""))
    return IdempotencyRecord(request, row.token, row.created_at, response)


class SqlIdempotencyKeys(IdempotencyKeys):
    """Records in the ``idempotency_keys`` table, so every instance shares them.

    Each write is its own short transaction on a unit of work of its own, never the
    request's: the claim must be committed (and seen by racing requests) before the request
    runs, and the outcome is stored whether the request's own transaction committed or not.
    """

    def __init__(self, database: Database) -> None:
        self._database = database

    async def insert(self, record: IdempotencyRecord) -> bool:
        request = record.request
        inserted = await self._write(
            lambda uow: uow.execute(
                _INSERT,
                user_id=request.user_id,
                endpoint=request.endpoint,
                key=request.key,
                fingerprint=request.fingerprint,
                token=record.token,
                created_at=record.created_at,
            )
        )
        return inserted == 1

    async def find(self, request: KeyedRequest) -> IdempotencyRecord | None:
        row = await self._database.reads.first(_FIND, **_of_key(request))
        return None if row is None else _record(row)

    async def replace(self, token: str, record: IdempotencyRecord) -> bool:
        replaced = await self._write(
            lambda uow: uow.execute(
                _REPLACE,
                **_of_key(record.request),
                of_token=token,
                new_fingerprint=record.request.fingerprint,
                new_token=record.token,
                new_created_at=record.created_at,
            )
        )
        return replaced == 1

    async def complete(self, record: IdempotencyRecord, response: StoredResponse) -> None:
        await self._write(
            lambda uow: uow.execute(
                _COMPLETE,
                **_of_claim(record),
                new_status=response.status,
                new_headers=json.dumps([list(header) for header in response.headers]),
                new_body=response.body,
            )
        )

    async def release(self, record: IdempotencyRecord) -> None:
        await self._write(lambda uow: uow.execute(_RELEASE, **_of_claim(record)))

    async def purge(self, before: datetime) -> int:
        return await self._write(lambda uow: uow.execute(_PURGE, before=before))

    async def _write(self, statement: Callable[[SqlUnitOfWork], Awaitable[T]]) -> T:
        uow = SqlUnitOfWork(self._database)
        try:
            result = await statement(uow)
            await uow.commit()
            return result
        finally:
            await uow.close()
