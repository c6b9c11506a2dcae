"""Feeds on the write path: the author's own tweet at once, followers' through the workers,
accounts past ``fanout_max_followers`` merged into feeds when they are read, and timelines
that keep only their newest entries, the rest of a feed computed when it is read."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from dishka import Provider, Scope
from litestar import Litestar
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.home_timelines import SqlHomeTimelines
from adapters.sql.tables import timeline_entries, timeline_horizons
from application.derived.follow_feeds import SECOND_PASS_AFTER
from application.ports.clock import Clock
from application.ports.home_timelines import HomeTimelines
from tests.support.accounts import Account, insert_users
from tests.support.api import API
from tests.support.app import make_app, serve
from tests.support.doubles import ManualClock
from tests.support.jobs import drain
from tests.support.statements import StatementLog, counting_engine
from tests.support.wiring import override

NOT_COUNTED = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK)\b|.*\bFROM settings\b", re.I | re.S)
# SQLite's trace shows the values in place of the parameters.
VALUES = re.compile(r"'[^']*'|\b\d+(\.\d+)?\b")


async def feed_ids(http: httpx.AsyncClient, reader: Account, limit: int = 100) -> list[int]:
    """Every tweet id of the reader's feed, walked page by page."""
    ids: list[int] = []
    params: dict[str, str | int] = {"limit": limit}
    while True:
        page = (await http.get(f"{API}/feed", params=params, headers=reader.auth)).json()
        ids += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            return ids
        params["cursor"] = page["next_cursor"]


async def test_the_author_sees_the_post_at_once_and_followers_after_the_workers(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, ben = await insert_users(engine, "ann", "ben")
    await client.post(f"{API}/users/ann/follow", headers=ben.auth)
    await drain(app)

    tweet = (await client.post(f"{API}/tweets", json={"text": "hi"}, headers=ann.auth)).json()

    assert await feed_ids(client, ann) == [tweet["id"]]
    assert (await client.get(f"{API}/users/ann/tweets", headers=ann.auth)).json()["items"]
    await drain(app)
    assert await feed_ids(client, ben) == [tweet["id"]]
    await client.delete(f"{API}/users/ann/follow", headers=ben.auth)
    await drain(app)
    assert await feed_ids(client, ben) == []


async def test_a_celebritys_post_costs_what_anyones_does_and_is_merged_into_feeds(
    app: Litestar, client: httpx.AsyncClient, engine: AsyncEngine, tmp_path: Path
) -> None:
    (admin,) = await insert_users(engine, "admin", admin=True)
    star, small, reader = await insert_users(engine, "star", "small", "reader")
    fans = await insert_users(engine, *(f"fan{n}" for n in range(30)))
    await client.patch(
        f"{API}/admin/settings", json={"fanout_max_followers": 5}, headers=admin.auth
    )
    for follower in [reader, *fans]:
        await client.post(f"{API}/users/star/follow", headers=follower.auth)
    await client.post(f"{API}/users/small/follow", headers=reader.auth)
    await drain(app)  # the follower counts, which decide who is fanned out

    log = StatementLog()
    counting = counting_engine(engine.url.render_as_string(hide_password=False), log)
    try:
        counted = make_app(counting, media_dir=tmp_path)
        async with serve(counted) as http:

            async def post(author: Account, text: str) -> tuple[int, list[str]]:
                await asyncio.sleep(0)
                log.statements.clear()
                response = await http.post(
                    f"{API}/tweets", json={"text": text}, headers=author.auth
                )
                assert response.status_code == 201, response.text
                await asyncio.sleep(0)
                sent = [VALUES.sub("?", s) for s in log.statements if not NOT_COUNTED.match(s)]
                return response.json()["id"], sent

            star_ids = [(await post(star, "warm up"))[0]]
            small_ids = [(await post(small, "warm up"))[0]]
            for n in range(5):
                tweet, by_star = await post(star, f"star {n}")
                star_ids.append(tweet)
                tweet, by_small = await post(small, f"small {n}")
                small_ids.append(tweet)
                assert by_star == by_small  # the same statements (and so the same jobs)

            # Both accounts' tweets are in the reader's feed before any worker ran (merged
            # in when read), and after: the small account's from the reader's timeline, the
            # star's still merged in; pages never repeat or skip one.
            everything = sorted(star_ids + small_ids, reverse=True)
            for limit in (1, 2, 3, 100):
                assert await feed_ids(http, reader, limit) == everything
            await drain(counted)
            for limit in (1, 2, 3, 100):
                assert await feed_ids(http, reader, limit) == everything
            assert await feed_ids(http, fans[0]) == sorted(star_ids, reverse=True)
            async with engine.connect() as connection:
                written = await connection.execute(
                    select(timeline_entries.c.tweet_id).where(
                        timeline_entries.c.user_id == reader.user["id"]
                    )
                )
                assert sorted(written.scalars()) == sorted(small_ids)
            await counted.state.dishka_container.close()
    finally:
        await counting.dispose()


@pytest.mark.usefixtures("sqlite_only")  # the clock moves SQLite's queue; pgqueuer uses now()
async def test_an_unfollow_takes_out_entries_a_fan_out_in_flight_wrote_after_it(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    clock = ManualClock(datetime.now(UTC))
    app = make_app(engine, override(Clock, clock), media_dir=tmp_path)
    ann, ben = await insert_users(engine, "ann", "ben")
    async with serve(app) as http:
        await http.post(f"{API}/users/ben/follow", headers=ann.auth)
        tweet = (await http.post(f"{API}/tweets", json={"text": "x"}, headers=ben.auth)).json()
        await drain(app)
        await http.delete(f"{API}/users/ben/follow", headers=ann.auth)
        await drain(app)
        assert await feed_ids(http, ann) == []
        # A fan-out batch that read the follow before the unfollow commits its entry now.
        async with engine.begin() as connection:
            await connection.execute(
                insert(timeline_entries).values(
                    user_id=ann.user["id"], tweet_id=tweet["id"], position=tweet["id"]
                )
            )
        await drain(app)
        assert await feed_ids(http, ann) == [tweet["id"]]  # the second pass is not due yet
        clock.advance(seconds=SECOND_PASS_AFTER + 1)
        await drain(app)
        assert await feed_ids(http, ann) == []


class ShortTimelines(SqlHomeTimelines):
    kept = 5
    trim_every = 1  # every batch looks at every follower's timeline


async def timeline_of(engine: AsyncEngine, reader: Account) -> tuple[int, int | None]:
    """How many entries the reader's timeline holds, and its horizon."""
    async with engine.connect() as connection:
        held = await connection.scalar(
            select(func.count()).where(timeline_entries.c.user_id == reader.user["id"])
        )
        below = await connection.scalar(
            select(timeline_horizons.c.position).where(
                timeline_horizons.c.user_id == reader.user["id"]
            )
        )
    return int(held or 0), below


async def test_timelines_keep_their_newest_entries_and_deeper_pages_are_computed(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    short = Provider(scope=Scope.REQUEST)
    short.provide(ShortTimelines, provides=HomeTimelines)
    app = make_app(engine, short, media_dir=tmp_path)
    reader, ann, ben, cat, dan = await insert_users(engine, "reader", "ann", "ben", "cat", "dan")
    posted: dict[str, list[int]] = {"reader": [], "ann": [], "ben": [], "cat": [], "dan": []}
    async with serve(app, drain_before_reads=True) as http:

        async def post(author: Account, count: int) -> None:
            for n in range(count):
                response = await http.post(
                    f"{API}/tweets", json={"text": f"{n}"}, headers=author.auth
                )
                posted[author.user["username"]].append(response.json()["id"])

        async def expect(*authors: str) -> None:
            wanted = sorted((t for a in authors for t in posted[a]), reverse=True)
            for limit in (1, 2, 3, 7, 100):
                assert await feed_ids(http, reader, limit) == wanted, limit

        for name in ("ann", "ben", "cat"):
            await http.post(f"{API}/users/{name}/follow", headers=reader.auth)
        for _ in range(4):
            await post(ann, 2)
            await post(ben, 2)
            await post(cat, 2)
            await post(reader, 1)
        await drain(app)
        # Fan-outs running at once can each miss the others' entries when they trim (the
        # bound is not exact under load); one fan-out alone trims to exactly ``kept``.
        await post(ann, 1)
        await drain(app)

        held, horizon = await timeline_of(engine, reader)
        assert held == ShortTimelines.kept
        assert horizon is not None
        await expect("reader", "ann", "ben", "cat")

        await http.delete(f"{API}/users/cat/follow", headers=reader.auth)
        await expect("reader", "ann", "ben")  # also below the horizon

        # A backfill copies at most what a timeline keeps; the rest is below the horizon.
        await post(dan, 12)
        await drain(app)  # (dan's fan-outs, before the reader follows: the backfill alone)
        await http.post(f"{API}/users/dan/follow", headers=reader.auth)
        await expect("reader", "ann", "ben", "dan")
        assert (await timeline_of(engine, reader))[0] == ShortTimelines.kept

        # Pages from before new posts go on where they were, with no repeat and no gap.
        first = (await http.get(f"{API}/feed", params={"limit": 4}, headers=reader.auth)).json()
        await post(ann, 3)
        await drain(app)
        rest = await http.get(
            f"{API}/feed",
            params={"limit": 100, "cursor": first["next_cursor"]},
            headers=reader.auth,
        )
        seen = [item["id"] for item in first["items"] + rest.json()["items"]]
        new = min(posted["ann"][-3:])
        followed = ("reader", "ann", "ben", "dan")
        assert seen == sorted((t for a in followed for t in posted[a] if t < new), reverse=True)
    await app.state.dishka_container.close()
