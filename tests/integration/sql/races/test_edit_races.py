"""Edits of one tweet at once (PostgreSQL): never more than the limit, no version lost."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import API, assert_problem
from tests.support.contract import assert_timestamp
from tests.support.settings import store_settings

RACERS = 20


@pytest.mark.parametrize("limit", [3, 100])
async def test_edits_at_once_succeed_up_to_the_limit_and_each_keeps_its_version(
    client: httpx.AsyncClient, engine: AsyncEngine, postgres_only: None, limit: int
) -> None:
    await store_settings(engine, tweet_max_edits=limit)
    (author,) = await insert_users(engine, "author")
    posted = await client.post(f"{API}/tweets", json={"text": "v0"}, headers=author.auth)
    assert posted.status_code == 201, posted.text
    url = f"{API}/tweets/{posted.json()['id']}"

    responses = await asyncio.gather(
        *(client.patch(url, json={"text": f"edit {i}"}, headers=author.auth) for i in range(RACERS))
    )

    succeeded = min(limit, RACERS)
    assert Counter(r.status_code for r in responses) == {
        status: count
        for status, count in {200: succeeded, 403: RACERS - succeeded}.items()
        if count
    }
    for refused in (r for r in responses if r.status_code == 403):
        assert_problem(refused, 403, "edit_limit_reached")
    saved = sorted(r.json()["text"] for r in responses if r.status_code == 200)
    versions = (await client.get(f"{url}/history")).json()
    assert versions[0]["text"] == "v0"
    assert sorted(version["text"] for version in versions[1:]) == saved
    times = [assert_timestamp(version["created_at"]) for version in versions]
    assert times == sorted(times)
    current = (await client.get(url)).json()
    assert (current["text"], current["edited_at"]) == (
        versions[-1]["text"],
        versions[-1]["created_at"],
    )
