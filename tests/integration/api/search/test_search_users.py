"""GET /search/users: username, first or last name starting with q; the exact username
first, then the most followed; a plain array of UserPublic."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem
from tests.support.contract import assert_user_public


async def name(client: httpx.AsyncClient, who: Account, first: str, last: str = "") -> None:
    response = await client.patch(
        f"{API}/me", json={"first_name": first, "last_name": last}, headers=who.auth
    )
    assert response.status_code == 200, response.text


async def follow(client: httpx.AsyncClient, who: Account, username: str) -> None:
    response = await client.post(f"{API}/users/{username}/follow", headers=who.auth)
    assert response.status_code in (200, 201, 204), response.text


async def search(
    client: httpx.AsyncClient, q: str, who: Account | None = None, **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(
        f"{API}/search/users", params={"q": q, **params}, headers=who.auth if who else None
    )
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    for user in body:
        assert_user_public(user)
    return body


async def names(client: httpx.AsyncClient, q: str, **params: Any) -> list[str]:
    return [user["username"] for user in await search(client, q, **params)]


async def test_exact_username_first_then_most_followers_then_oldest(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ann, _, _, bob, cat = await insert_users(engine, "ann", "Anna", "annabel", "bob", "cat")
    await name(client, bob, "Annette", "Smith")
    await name(client, cat, "Zoë", "Annan")
    for fan in (ann, bob, cat):
        await follow(client, fan, "annabel")
    await follow(client, cat, "bob")

    assert await names(client, "ann") == ["ann", "annabel", "bob", "Anna", "cat"]
    assert await names(client, "ANNA") == ["Anna", "annabel", "cat"]
    assert await names(client, "annab") == ["annabel"]
    assert await names(client, "ann", limit=2) == ["ann", "annabel"]
    assert await names(client, "smi") == ["bob"]
    assert await names(client, "zo") == ["cat"]  # accents folded away
    assert await names(client, "ZOË") == ["cat"]
    assert await names(client, "x") == []
    [annabel] = await search(client, "annabel", ann)
    assert (annabel["followers_count"], annabel["followed_by_me"]) == (3, True)
    [anonymous] = await search(client, "annabel")
    assert anonymous["followed_by_me"] is None
    profile = await client.get(f"{API}/users/annabel", headers=ann.auth)
    assert annabel == profile.json()  # the same object as GET /users/{username}


async def test_a_prefix_is_a_prefix_of_the_whole_folded_value(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ab, a_c, ac = await insert_users(engine, "ab_z", "a_c", "ac")
    await name(client, ab, "Émile", "O'Brien")
    await name(client, a_c, "STRASSE")
    await name(client, ac, "Straße")

    # Punctuation counts (a locale collation would ignore it): "a_c" does not start with "ab".
    assert await names(client, "ab") == ["ab_z"]
    assert await names(client, "a_") == ["a_c"]
    assert await names(client, "emile") == ["ab_z"]
    assert await names(client, "o'b") == ["ab_z"]
    assert await names(client, "ob") == []
    assert sorted(await names(client, "strass")) == ["a_c", "ac"]
    assert await names(client, "straß") == ["a_c", "ac"]


async def test_deactivated_accounts_are_not_found(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    [root] = await insert_users(engine, "root", admin=True)
    await insert_users(engine, "gone", "goner")
    response = await client.patch(f"{API}/users/gone", json={"is_active": False}, headers=root.auth)
    assert response.status_code == 200, response.text

    assert await names(client, "gon") == ["goner"]


async def test_bad_input_is_a_400_problem(client: httpx.AsyncClient) -> None:
    cases: list[dict[str, str]] = [
        {},
        {"q": ""},
        {"q": "x" * 101},
        {"q": "ok", "limit": "0"},
        {"q": "ok", "limit": "51"},
        {"q": "ok", "limit": "many"},
    ]
    for params in cases:
        response = await client.get(f"{API}/search/users", params=params)
        assert_problem(response, 400)
    for q in ("x" * 100, "a\x00", "\u0301", "\U0010ffff", "\ud7ff"):
        assert await search(client, q) == [], q
