from __future__ import annotations

from datetime import datetime

from application.ports.idempotency_keys import (
    IdempotencyKeys,
    IdempotencyRecord,
    KeyedRequest,
    StoredResponse,
)

_Slot = tuple[int, str, str]


def _slot(request: KeyedRequest) -> _Slot:
    return (request.user_id, request.endpoint, request.key)


class InMemoryIdempotencyKeys(IdempotencyKeys):
    """Records in this process (one instance, the unit tests). The event loop runs each
    call to the end without switching, so each is atomic."""

    def __init__(self) -> None:
        self._records: dict[_Slot, IdempotencyRecord] = {}

    async def insert(self, record: IdempotencyRecord) -> bool:
        return self._records.setdefault(_slot(record.request), record) is record

    async def find(self, request: KeyedRequest) -> IdempotencyRecord | None:
        return self._records.get(_slot(request))

    async def replace(self, token: str, record: IdempotencyRecord) -> bool:
        if not self._holds(token, _slot(record.request)):
            return False
        self._records[_slot(record.request)] = record
        return True

    async def complete(self, record: IdempotencyRecord, response: StoredResponse) -> None:
        slot = _slot(record.request)
        if self._holds(record.token, slot):
            self._records[slot] = IdempotencyRecord(
                self._records[slot].request, record.token, record.created_at, response
            )

    async def release(self, record: IdempotencyRecord) -> None:
        slot = _slot(record.request)
        if self._holds(record.token, slot):
            del self._records[slot]

    async def purge(self, before: datetime) -> int:
        old = [slot for slot, record in self._records.items() if record.created_at < before]
        for slot in old:
            del self._records[slot]
        return len(old)

    def _holds(self, token: str, slot: _Slot) -> bool:
        found = self._records.get(slot)
        return found is not None and found.token == token
