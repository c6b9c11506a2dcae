"""Uploaded media: the repository, and the media of a page of tweets in one statement."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from adapters.sql.database import Reads
from adapters.sql.statements import ReadQuery, WriteStatement
from adapters.sql.tables import Id, media
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports.media import MediaRepository, MediaView
from application.ports.tweet_reader import TweetView
from domain.media import Media

_INSERT = WriteStatement(insert(media))
_BY_ID = ReadQuery(select(media).where(media.c.id == bindparam("media")))
_DESCRIBE = WriteStatement(
    update(media).where(media.c.id == bindparam("media")).values(alt=bindparam("alt"))
)
# Race-safe without a lock held across a round trip: of two transactions attaching one
# upload, the second's UPDATE waits for the first's row lock (PostgreSQL; SQLite has one
# writer), then finds ``tweet_id`` set and changes nothing.
_ATTACH = WriteStatement(
    update(media)
    .where(
        media.c.id == bindparam("media"),
        media.c.uploader_id == bindparam("uploader"),
        media.c.tweet_id.is_(None),
    )
    .values(tweet_id=bindparam("tweet_id"), position=bindparam("position"))
    .returning(media.c.id)
)
_DETACH_ALL = WriteStatement(
    delete(media)
    .where(media.c.tweet_id == bindparam("tweet"))
    .returning(media.c.name, media.c.position)
)
_EXPIRED = (
    select(media.c.id)
    .where(media.c.tweet_id.is_(None), media.c.created_at <= bindparam("cutoff"))
    .order_by(media.c.created_at)
    .limit(bindparam("n"))
)
# ``tweet_id IS NULL`` again on the row deleted: one attached meanwhile stays.
_REMOVE_UNATTACHED = WriteStatement(
    delete(media)
    .where(media.c.id.in_(_EXPIRED), media.c.tweet_id.is_(None))
    .returning(media.c.name)
)


def _media(row: Any) -> Media:
    return Media(
        id=row.id,
        uploader_id=row.uploader_id,
        name=row.name,
        content_type=row.content_type,
        width=row.width,
        height=row.height,
        created_at=row.created_at,
        alt=row.alt,
        tweet_id=row.tweet_id,
        position=row.position,
    )


class SqlMediaRepository(MediaRepository):
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._statements = uow

    async def add(self, item: Media) -> None:
        await self._statements.execute(
            _INSERT,
            id=item.id,
            uploader_id=item.uploader_id,
            name=item.name,
            content_type=item.content_type,
            width=item.width,
            height=item.height,
            alt=item.alt,
            created_at=item.created_at,
            tweet_id=item.tweet_id,
            position=item.position,
        )

    async def get(self, media_id: str) -> Media | None:
        row = await self._statements.first(_BY_ID, media=media_id)
        return None if row is None else _media(row)

    async def describe(self, media_id: str, alt: str | None) -> None:
        await self._statements.execute(_DESCRIBE, media=media_id, alt=alt)

    async def attach(self, media_id: str, uploader_id: int, tweet_id: int, position: int) -> bool:
        attached = await self._statements.scalar(
            _ATTACH, media=media_id, uploader=uploader_id, tweet_id=tweet_id, position=position
        )
        return attached is not None

    async def detach_all(self, tweet_id: int) -> list[str]:
        rows = await self._statements.returned(_DETACH_ALL, tweet=tweet_id)
        return [row.name for row in sorted(rows, key=lambda row: row.position)]

    async def remove_unattached(self, cutoff: datetime, limit: int) -> list[str]:
        rows = await self._statements.returned(_REMOVE_UNATTACHED, cutoff=cutoff, n=limit)
        return [row.name for row in rows]


# The media of up to this many tweets per statement (a page is at most 100 tweets): the
# smallest size that fits the page's tweets with media is used, the rest of its
# placeholders NULL, so a few prepared statements serve every page.
_BATCH_SIZES = (4, 20, 100)
_MEDIA_OF_TWEETS = {
    size: ReadQuery(
        select(
            media.c.tweet_id,
            media.c.id,
            media.c.name,
            media.c.alt,
            media.c.width,
            media.c.height,
            media.c.content_type,
        )
        .where(media.c.tweet_id.in_([bindparam(f"t{i}", type_=Id) for i in range(size)]))
        .order_by(media.c.tweet_id, media.c.position)
    )
    for size in _BATCH_SIZES
}


async def with_media(reads: Reads, views: list[TweetView]) -> list[TweetView]:
    """``views`` with their media, in order: one statement per page, none when no tweet on
    it has an image (a tweet with media has its first one's name as its ``image``)."""
    ids = [view.id for view in views if view.image is not None]
    found: dict[int, list[MediaView]] = defaultdict(list)
    largest = _BATCH_SIZES[-1]
    for start in range(0, len(ids), largest):
        batch = ids[start : start + largest]
        size = next(size for size in _BATCH_SIZES if size >= len(batch))
        params = {f"t{i}": batch[i] if i < len(batch) else None for i in range(size)}
        for row in await reads.all(_MEDIA_OF_TWEETS[size], **params):
            found[row.tweet_id].append(
                MediaView(row.id, row.name, row.alt, row.width, row.height, row.content_type)
            )
    if not found:
        return views
    return [
        view._replace(media=tuple(found[view.id])) if view.id in found else view for view in views
    ]
