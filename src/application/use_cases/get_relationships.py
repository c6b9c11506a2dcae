from __future__ import annotations

from dataclasses import dataclass

from application.ports.clock import Clock
from application.ports.relationships import RelationshipReader
from domain.relationships import Relationship, relationship_names


@dataclass(frozen=True, slots=True)
class RelationshipsQuery:
    user_id: int
    usernames: str  # comma-separated, as asked


class GetRelationships:
    """How the user stands with each account named: 1 to 50 names, each once, in the order
    asked, spelled as stored; unknown names left out; oneself all false."""

    def __init__(self, reader: RelationshipReader, clock: Clock) -> None:
        self._reader = reader
        self._clock = clock

    async def __call__(self, query: RelationshipsQuery) -> list[Relationship]:
        names = relationship_names(query.usernames)
        return await self._reader.relationships(query.user_id, names, self._clock.now())
