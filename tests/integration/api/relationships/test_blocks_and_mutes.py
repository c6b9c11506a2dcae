"""Blocks, mutes and relationships through the API, on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem, assert_unauthorized
from tests.support.doubles import ManualClock


async def call(
    client: httpx.AsyncClient, method: str, path: str, who: Account, **kwargs: Any
) -> httpx.Response:
    return await client.request(method, f"{API}{path}", headers=who.auth, **kwargs)


async def names(client: httpx.AsyncClient, path: str, who: Account, **params: Any) -> list[str]:
    response = await client.get(f"{API}{path}", headers=who.auth, params=params)
    assert response.status_code == 200, response.text
    return [item["username"] for item in response.json()["items"]]


async def relationships(client: httpx.AsyncClient, who: Account, usernames: str) -> Any:
    response = await client.get(
        f"{API}/users/relationships", headers=who.auth, params={"usernames": usernames}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_block_and_unblock_are_idempotent_and_listed_newest_first(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, ben, _ = await insert_users(engine, "ann", "ben", "cat")
    for other in ("ben", "CAT", "ben"):
        response = await call(client, "POST", f"/users/{other}/block", ann)
        assert response.status_code == 204, response.text
        assert response.content == b""

    assert await names(client, "/me/blocks", ann) == ["cat", "ben"]
    assert await names(client, "/me/blocks", ann, limit=1) == ["cat"]
    assert await names(client, "/me/blocks", ben) == []
    for _ in range(2):
        assert (await call(client, "DELETE", "/users/ben/block", ann)).status_code == 204
    assert await names(client, "/me/blocks", ann) == ["cat"]


async def test_blocking_refuses_oneself_and_unknown_accounts(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (ann,) = await insert_users(engine, "ann")
    assert_problem(await call(client, "POST", "/users/Ann/block", ann), 400, "cannot_block_self")
    for method in ("POST", "DELETE"):
        response = await call(client, method, "/users/nobody/block", ann)
        assert_problem(response, 404, "user_not_found")
        assert_unauthorized(await client.request(method, f"{API}/users/ann/block"))
    assert_unauthorized(await client.get(f"{API}/me/blocks"))


async def test_a_block_removes_the_follows_both_ways_and_forbids_new_ones(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, ben = await insert_users(engine, "ann", "ben")
    for who, other in ((ann, "ben"), (ben, "ann")):
        assert (await call(client, "POST", f"/users/{other}/follow", who)).status_code == 204

    assert (await call(client, "POST", "/users/ben/block", ann)).status_code == 204

    assert await names(client, "/me/blocks", ann) == ["ben"]
    assert (await relationships(client, ann, "ben")) == [
        {
            "username": "ben",
            "following": False,
            "followed_by": False,
            "blocking": True,
            "blocked_by": False,
            "muting": False,
        }
    ]
    profile = (await call(client, "GET", "/users/ann", ann)).json()
    assert (profile["followers_count"], profile["following_count"]) == (0, 0)
    for who, other in ((ann, "ben"), (ben, "ann")):
        assert_problem(await call(client, "POST", f"/users/{other}/follow", who), 403, "blocked")
    assert (await call(client, "DELETE", "/users/ben/block", ann)).status_code == 204
    assert (await call(client, "POST", "/users/ann/follow", ben)).status_code == 204


async def test_relationships_in_the_order_asked_each_once_spelled_as_stored(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, _, cat, _ = await insert_users(engine, "ann", "Ben", "cat", "dan")
    await call(client, "POST", "/users/ben/follow", ann)
    await call(client, "POST", "/users/ann/follow", cat)
    await call(client, "POST", "/users/dan/block", ann)
    await call(client, "POST", "/users/ann/block", cat)
    await call(client, "POST", "/users/ben/mute", ann)

    found = await relationships(client, ann, "cat, BEN,nobody,ann,ben,dan,,no way!")

    flags = ("following", "followed_by", "blocking", "blocked_by", "muting")
    assert [(r["username"], *(r[f] for f in flags)) for r in found] == [
        ("cat", False, False, False, True, False),
        ("Ben", True, False, False, False, True),
        ("ann", False, False, False, False, False),
        ("dan", False, False, True, False, False),
    ]


@pytest.mark.parametrize("usernames", ["", " , ,", ",".join(f"user{i}" for i in range(51))])
async def test_relationships_need_one_to_fifty_names(
    client: httpx.AsyncClient, engine: AsyncEngine, usernames: str
) -> None:
    (ann,) = await insert_users(engine, "ann")
    response = await call(
        client, "GET", "/users/relationships", ann, params={"usernames": usernames}
    )
    assert_problem(response, 400, "validation_error")
    missing = await call(client, "GET", "/users/relationships", ann)
    assert_problem(missing, 400, "validation_error")


async def test_a_mute_is_listed_with_its_terms_and_a_new_one_replaces_them(
    clocked_client: httpx.AsyncClient, engine: AsyncEngine, clock: ManualClock
) -> None:
    client = clocked_client
    ann, _, _ = await insert_users(engine, "ann", "ben", "cat")
    assert (await call(client, "POST", "/users/ben/mute", ann)).status_code == 204
    terms = {"duration_seconds": 60, "notifications": False}
    assert (await call(client, "POST", "/users/cat/mute", ann, json=terms)).status_code == 204

    response = await call(client, "GET", "/me/mutes", ann)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [(i["user"]["username"], i["notifications"]) for i in items] == [
        ("cat", False),
        ("ben", True),
    ]
    assert items[1]["expires_at"] is None
    assert items[0]["expires_at"].endswith("Z")

    # A new mute of ben replaces every term and becomes the most recent.
    response = await call(client, "POST", "/users/ben/mute", ann, json={"duration_seconds": 600})
    assert response.status_code == 204
    clock.advance(timedelta(seconds=61))
    items = (await call(client, "GET", "/me/mutes", ann)).json()["items"]
    assert [(i["user"]["username"], i["notifications"]) for i in items] == [("ben", True)]
    assert (await relationships(client, ann, "cat,ben")) == [
        {**flags, "username": name, "muting": name == "ben"}
        for name, flags in (
            ("cat", _no_relationship()),
            ("ben", _no_relationship()),
        )
    ]
    for _ in range(2):
        assert (await call(client, "DELETE", "/users/ben/mute", ann)).status_code == 204
    assert (await call(client, "GET", "/me/mutes", ann)).json()["items"] == []


def _no_relationship() -> dict[str, Any]:
    return dict.fromkeys(("following", "followed_by", "blocking", "blocked_by", "muting"), False)


@pytest.mark.parametrize(
    "body",
    [
        {"duration_seconds": 59},
        {"duration_seconds": 31_536_001},
        {"duration_seconds": "60"},
        {"notifications": "yes"},
        {"forever": True},
        [],
    ],
)
async def test_a_mute_with_bad_terms_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine, body: Any
) -> None:
    ann, _ = await insert_users(engine, "ann", "ben")
    response = await call(client, "POST", "/users/ben/mute", ann, json=body)
    assert_problem(response, 400, "validation_error")
    assert (await call(client, "GET", "/me/mutes", ann)).json()["items"] == []


async def test_muting_refuses_oneself_and_unknown_accounts(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (ann,) = await insert_users(engine, "ann")
    assert_problem(await call(client, "POST", "/users/ann/mute", ann), 400, "cannot_mute_self")
    for method in ("POST", "DELETE"):
        assert_problem(await call(client, method, "/users/nobody/mute", ann), 404, "user_not_found")


async def test_a_profile_says_how_the_caller_stands_with_the_user(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, ben = await insert_users(engine, "ann", "ben")
    await call(client, "POST", "/users/ann/follow", ben)
    await call(client, "POST", "/users/ben/mute", ann)
    flags = ("followed_by_me", "follows_me", "blocking", "blocked_by", "muting")

    async def seen(who: Account, username: str) -> list[tuple[str, Any]]:
        profile = (await call(client, "GET", f"/users/{username}", who)).json()
        found = (await call(client, "GET", "/search/users", who, params={"q": username})).json()
        assert [{f: user[f] for f in flags} for user in found] == [{f: profile[f] for f in flags}]
        return [(flag, profile[flag]) for flag in flags if profile[flag]]

    assert await seen(ann, "ben") == [("follows_me", True), ("muting", True)]
    assert await seen(ben, "ann") == [("followed_by_me", True)]
    await call(client, "POST", "/users/ann/block", ben)
    # The profile stays visible across a block.
    assert await seen(ann, "ben") == [("blocked_by", True), ("muting", True)]
    assert await seen(ben, "ann") == [("blocking", True)]
    anonymous = (await client.get(f"{API}/users/ben")).json()
    assert {anonymous[flag] for flag in flags} == {None}
