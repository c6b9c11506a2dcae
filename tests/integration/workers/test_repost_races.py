"""An undo racing a repost's fan-out batch leaves no entry behind (PostgreSQL, real
concurrent connections): the batch holds its repost FOR SHARE until it commits, so the undo
waits, and the removal job it queues finds what the batch wrote."""

from __future__ import annotations

import asyncio

import pytest
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.database import Database
from adapters.sql.home_timelines import SqlHomeTimelines
from adapters.sql.unit_of_work import SqlUnitOfWork
from tests.support.accounts import insert_users
from tests.support.api import API
from tests.support.app import serve
from tests.support.jobs import drain

WAITING_FOR_A_LOCK = text(
    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = "
    "current_database()"
)


async def scalar(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text(sql))).scalar_one())


@pytest.mark.usefixtures("postgres_only")
async def test_an_undo_during_a_fan_out_batch_leaves_no_entry(
    app: Litestar, engine: AsyncEngine
) -> None:
    ann, ben, cat = await insert_users(engine, "ann", "ben", "cat")
    async with serve(app) as client:
        assert (await client.post(f"{API}/users/ben/follow", headers=ann.auth)).status_code == 204
        posted = await client.post(f"{API}/tweets", json={"text": "hi"}, headers=cat.auth)
        await drain(app)
        tweet_id = posted.json()["id"]
        reposted = await client.post(f"{API}/tweets/{tweet_id}/repost", headers=ben.auth)
        assert reposted.status_code == 200
        repost_id = await scalar(engine, "SELECT id FROM reposts")

        database = Database(engine)
        uow = SqlUnitOfWork(database)
        try:
            # The worker's batch, written but not committed yet.
            batch = await SqlHomeTimelines(uow).fan_out_repost(
                repost_id, ben.user["id"], after=0, limit=100
            )
            assert batch.next_after is None
            undo = asyncio.create_task(
                client.delete(f"{API}/tweets/{tweet_id}/repost", headers=ben.auth)
            )
            async with engine.connect() as connection:
                for _ in range(500):  # until the undo waits for the lock, or is done
                    waiting = (await connection.execute(WAITING_FOR_A_LOCK)).scalar_one()
                    if waiting or undo.done():
                        break
                    await asyncio.sleep(0.01)
            assert not undo.done()  # it waits for the batch
            await uow.commit()
        finally:
            await uow.close()
            await database.close()
        assert (await undo).json() == {"reposted": False, "repost_count": 0}
        await drain(app)

    async with engine.connect() as connection:
        left = await connection.execute(
            text(
                "SELECT count(*) FROM timeline_entries"
                " WHERE tweet_id = :tweet AND reposted_by IS NOT NULL"
            ),
            {"tweet": tweet_id},
        )
        assert left.scalar_one() == 0
