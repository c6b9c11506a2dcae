"""PATCH /tweets/{id} within the edit window and limit, and GET /tweets/{id}/history."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users, register_admin
from tests.support.api import API, Account, assert_problem, error_fields
from tests.support.app import make_app, serve
from tests.support.contract import assert_timestamp, assert_tweet
from tests.support.doubles import ManualClock
from tests.support.settings import store_settings
from tests.support.statements import StatementLog, counting_engine

SETTINGS = f"{API}/admin/settings"


async def post(client: httpx.AsyncClient, author: Account, body: str) -> dict[str, Any]:
    response = await client.post(f"{API}/tweets", json={"text": body}, headers=author.auth)
    assert response.status_code == 201, response.text
    return assert_tweet(response.json())


async def edit(
    client: httpx.AsyncClient, author: Account, tweet_id: int, body: str
) -> httpx.Response:
    return await client.patch(f"{API}/tweets/{tweet_id}", json={"text": body}, headers=author.auth)


async def history(
    client: httpx.AsyncClient, tweet_id: int, who: Account | None = None
) -> list[dict[str, Any]]:
    response = await client.get(
        f"{API}/tweets/{tweet_id}/history", headers=who.auth if who else None
    )
    assert response.status_code == 200, response.text
    versions: list[dict[str, Any]] = response.json()
    for version in versions:
        assert set(version) == {"text", "created_at"}, version
        assert_timestamp(version["created_at"])
    return versions


async def stored_versions(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        query = text("SELECT COUNT(*) FROM tweet_versions")
        return int((await connection.execute(query)).scalar_one())


async def test_every_version_is_in_the_history_the_original_first(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    tweet = await post(client, alice, "v0")
    assert await history(client, tweet["id"]) == [{"text": "v0", "created_at": tweet["created_at"]}]
    assert await stored_versions(engine) == 0  # a tweet never edited costs no version row

    first = (await edit(client, alice, tweet["id"], "v1")).json()
    second = (await edit(client, alice, tweet["id"], " v2 ")).json()

    expected = [
        {"text": "v0", "created_at": tweet["created_at"]},
        {"text": "v1", "created_at": first["edited_at"]},
        {"text": "v2", "created_at": second["edited_at"]},
    ]
    assert await history(client, tweet["id"]) == expected
    assert await history(client, tweet["id"], bob) == expected
    assert await history(client, tweet["id"], alice) == expected
    assert await stored_versions(engine) == 2
    current = (await client.get(f"{API}/tweets/{tweet['id']}")).json()
    assert (current["text"], current["edited_at"]) == ("v2", second["edited_at"])


async def test_the_same_text_again_is_no_edit(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (alice,) = await insert_users(engine, "alice")
    tweet = await post(client, alice, "v0")
    edited = (await edit(client, alice, tweet["id"], "v1")).json()

    again = await edit(client, alice, tweet["id"], "v1")

    assert again.status_code == 200, again.text
    assert assert_tweet(again.json())["edited_at"] == edited["edited_at"]
    assert [v["text"] for v in await history(client, tweet["id"])] == ["v0", "v1"]


async def test_edits_past_the_limit_are_refused(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await store_settings(engine, tweet_max_edits=2)
    (alice,) = await insert_users(engine, "alice")
    tweet = await post(client, alice, "v0")
    for body in ("v1", "v2"):
        assert (await edit(client, alice, tweet["id"], body)).status_code == 200

    response = await edit(client, alice, tweet["id"], "v3")

    assert_problem(response, 403, "edit_limit_reached")
    assert [v["text"] for v in await history(client, tweet["id"])] == ["v0", "v1", "v2"]


async def test_an_edit_after_the_window_is_refused(
    clocked_client: httpx.AsyncClient, clock: ManualClock, engine: AsyncEngine
) -> None:
    (alice,) = await insert_users(engine, "alice")
    tweet = await post(clocked_client, alice, "v0")
    clock.advance(timedelta(seconds=3599))
    assert (await edit(clocked_client, alice, tweet["id"], "v1")).status_code == 200
    clock.advance(timedelta(seconds=1))

    response = await edit(clocked_client, alice, tweet["id"], "v2")

    assert_problem(response, 403, "edit_window_closed")
    assert [v["text"] for v in await history(clocked_client, tweet["id"])] == ["v0", "v1"]


@pytest.mark.parametrize(
    ("setting", "code"),
    [
        ("tweet_edit_window_seconds", "edit_window_closed"),
        ("tweet_max_edits", "edit_limit_reached"),
    ],
)
async def test_zero_means_no_edits(
    client: httpx.AsyncClient, engine: AsyncEngine, setting: str, code: str
) -> None:
    admin = await register_admin(client, engine)
    (alice,) = await insert_users(engine, "alice")
    tweet = await post(client, alice, "v0")

    changed = await client.patch(SETTINGS, json={setting: 0}, headers=admin.auth)
    assert changed.status_code == 200, changed.text
    response = await edit(client, alice, tweet["id"], "v1")

    assert_problem(response, 403, code)
    fetched = (await client.get(f"{API}/tweets/{tweet['id']}")).json()
    assert (fetched["text"], fetched["edited_at"]) == ("v0", None)


async def test_not_found_and_not_author_come_first(
    clocked_client: httpx.AsyncClient, clock: ManualClock, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    tweet = await post(clocked_client, alice, "v0")
    clock.advance(timedelta(days=1))

    assert_problem(await edit(clocked_client, bob, tweet["id"], "x"), 403, "not_author")
    assert_problem(await edit(clocked_client, alice, 999_999, "x"), 404, "tweet_not_found")


async def test_the_edit_settings_are_validated(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    admin = await register_admin(client, engine)
    good = {"tweet_edit_window_seconds": 604_800, "tweet_max_edits": 100}
    for changes in (good, {"tweet_edit_window_seconds": 0, "tweet_max_edits": 0}):
        response = await client.patch(SETTINGS, json=changes, headers=admin.auth)
        assert response.status_code == 200, response.text
        assert {key: response.json()[key] for key in changes} == changes
    response = await client.patch(SETTINGS, json=good, headers=admin.auth)
    assert response.status_code == 200, response.text

    for changes in (
        {"tweet_edit_window_seconds": -1},
        {"tweet_edit_window_seconds": 604_801},
        {"tweet_max_edits": -1},
        {"tweet_max_edits": 101},
        {"tweet_max_edits": "5"},
        {"tweet_max_edits": None},
        {"tweet_edit_window_seconds": 1.5},
    ):
        response = await client.patch(SETTINGS, json=changes, headers=admin.auth)
        assert error_fields(assert_problem(response, 400, "validation_error")) == set(changes)
    shown = (await client.get(SETTINGS, headers=admin.auth)).json()
    assert {key: shown[key] for key in good} == good


@pytest.mark.parametrize("missing", ["never-existed", "deleted"])
async def test_the_history_of_an_unknown_tweet_is_not_found(
    client: httpx.AsyncClient, engine: AsyncEngine, missing: str
) -> None:
    (alice,) = await insert_users(engine, "alice")
    tweet_id = 999_999
    if missing == "deleted":
        tweet_id = (await post(client, alice, "v0"))["id"]
        assert (await edit(client, alice, tweet_id, "v1")).status_code == 200
        deleted = await client.delete(f"{API}/tweets/{tweet_id}", headers=alice.auth)
        assert deleted.status_code == 204, deleted.text

    response = await client.get(f"{API}/tweets/{tweet_id}/history")

    assert_problem(response, 404, "tweet_not_found")
    assert await stored_versions(engine) == 0


@pytest.mark.parametrize("tweet_id", ["0", "-1", "99999999999999999999", "abc"])
async def test_a_bad_id_in_the_history_path_is_not_found(
    client: httpx.AsyncClient, tweet_id: str
) -> None:
    response = await client.get(f"{API}/tweets/{tweet_id}/history")

    assert_problem(response, 404)


async def test_a_history_is_one_statement_however_many_versions(
    client: httpx.AsyncClient, engine: AsyncEngine, tmp_path: Path
) -> None:
    (alice,) = await insert_users(engine, "alice")
    never_edited = await post(client, alice, "once")
    edited = await post(client, alice, "v0")
    for n in range(1, 6):
        assert (await edit(client, alice, edited["id"], f"v{n}")).status_code == 200
    log = StatementLog()
    counting = counting_engine(engine.url.render_as_string(hide_password=False), log)

    async def statements(tweet_id: int) -> list[str]:
        await asyncio.sleep(0)  # asyncpg delivers its log records through the event loop
        log.statements.clear()
        assert len(await history(http, tweet_id)) in (1, 6)
        await asyncio.sleep(0)
        return [sql for sql in log.statements if not re.match(r"\s*(BEGIN|COMMIT)\b", sql)]

    try:
        async with serve(make_app(counting, media_dir=tmp_path / "media")) as http:
            await statements(edited["id"])  # warm: connections, settings, prepared statements
            counts = [len(await statements(t["id"])) for t in (never_edited, edited)]
    finally:
        await counting.dispose()

    assert counts == [1, 1]
