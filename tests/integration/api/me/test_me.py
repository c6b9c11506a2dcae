"""GET, PATCH and PUT /me: the caller's own account."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.api import API, PASSWORD, assert_problem, error_fields, login, refresh, register

METHODS = ["PATCH", "PUT"]


async def update_me(
    client: httpx.AsyncClient, method: str, headers: dict[str, str], body: Any
) -> httpx.Response:
    return await client.request(method, f"{API}/me", json=body, headers=headers)


async def test_me_is_the_private_view_of_the_caller(client: httpx.AsyncClient) -> None:
    alice = await register(client, first_name="Alice", bio="hello")
    await register(client, "bob")

    response = await client.get(f"{API}/me", headers=alice.auth)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == alice.user
    assert response.json()["email"] == "alice@example.com"


@pytest.mark.parametrize("method", METHODS)
async def test_update_changes_the_profile_username_and_email(
    client: httpx.AsyncClient, method: str
) -> None:
    alice = await register(client)
    changes = {
        "username": "Alice_Liddell",
        "email": "alice@wonderland.example",
        "first_name": "Alice",
        "last_name": "Liddell",
        "bio": "Curiouser and curiouser.",
    }

    response = await update_me(client, method, alice.auth, changes)

    assert response.status_code == 200, response.text
    expected = alice.user | changes
    assert response.json() == expected
    assert (await client.get(f"{API}/me", headers=alice.auth)).json() == expected
    # The new email (any case) logs in; the old one no longer names an account.
    assert (await login(client, email="ALICE@wonderland.example")).status_code == 200
    assert_problem(await login(client, email="alice@example.com"), 401, "invalid_credentials")


@pytest.mark.parametrize("method", METHODS)
async def test_update_leaves_fields_it_does_not_name(
    client: httpx.AsyncClient, method: str
) -> None:
    alice = await register(client, first_name="Alice", last_name="Liddell", bio="hello")

    response = await update_me(client, method, alice.auth, {"bio": ""})

    assert response.status_code == 200, response.text
    assert response.json() == alice.user | {"bio": ""}


async def test_changing_only_the_case_of_ones_own_username(client: httpx.AsyncClient) -> None:
    alice = await register(client)

    response = await update_me(client, "PATCH", alice.auth, {"username": "ALICE"})

    assert response.status_code == 200, response.text
    assert response.json()["username"] == "ALICE"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"username": "Bob"}, "username_taken"),
        ({"email": "BOB@example.com"}, "email_taken"),
    ],
)
async def test_update_refuses_a_username_or_email_taken_by_someone_else(
    client: httpx.AsyncClient, change: dict[str, str], code: str
) -> None:
    alice = await register(client)
    await register(client, "bob")

    response = await update_me(client, "PATCH", alice.auth, {**change, "bio": "changed"})

    assert_problem(response, 409, code)
    assert (await client.get(f"{API}/me", headers=alice.auth)).json() == alice.user


async def test_update_reports_every_invalid_field(client: httpx.AsyncClient) -> None:
    alice = await register(client)

    response = await update_me(
        client,
        "PATCH",
        alice.auth,
        {"username": "no spaces allowed", "email": "nope", "bio": "b" * 161},
    )

    body = assert_problem(response, 400, "validation_error")
    assert error_fields(body) == {"username", "email", "bio"}
    assert (await client.get(f"{API}/me", headers=alice.auth)).json() == alice.user


async def test_a_password_change_needs_the_right_current_password(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)

    response = await update_me(
        client,
        "PATCH",
        alice.auth,
        {"password": "a brand new passphrase", "current_password": "not my password"},
    )

    assert_problem(response, 400, "wrong_current_password")
    assert (await login(client, username="alice")).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": "a brand new passphrase"}, "current_password"),
        ({"current_password": PASSWORD}, "password"),
        ({"password": "short", "current_password": PASSWORD}, "password"),
        ({"password": "password1", "current_password": PASSWORD}, "password"),
        ({"password": "alice@example.com", "current_password": PASSWORD}, "password"),
    ],
    ids=["no-current", "no-new", "too-short", "too-common", "the-email"],
)
async def test_a_password_change_is_validated(
    client: httpx.AsyncClient, body: dict[str, str], field: str
) -> None:
    alice = await register(client)

    response = await update_me(client, "PATCH", alice.auth, body)

    problem = assert_problem(response, 400, "validation_error")
    assert field in error_fields(problem)


async def test_a_refused_update_changes_neither_password_nor_sessions(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    await register(client, "bob")
    other = (await login(client, username="alice")).json()

    response = await update_me(
        client,
        "PATCH",
        alice.auth,
        {"username": "bob", "password": "a brand new passphrase", "current_password": PASSWORD},
    )

    assert_problem(response, 409, "username_taken")
    assert (await refresh(client, other["refresh_token"])).status_code == 200
    assert (await login(client, username="alice")).status_code == 200


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("PATCH", {"is_admin": True}),
        ("PUT", {"is_admin": True}),
        ("PATCH", {"is_active": False}),
        ("PATCH", {"id": 99}),
        ("PATCH", {"password_hash": "x"}),
    ],
    ids=["PATCH-is_admin", "PUT-is_admin", "is_active", "id", "password_hash"],
)
async def test_update_rejects_fields_that_are_not_for_the_user_to_set(
    client: httpx.AsyncClient, engine: AsyncEngine, method: str, body: dict[str, Any]
) -> None:
    alice = await register(client)

    response = await update_me(client, method, alice.auth, {"bio": "sneaky", **body})

    problem = assert_problem(response, 400, "validation_error")
    assert error_fields(problem) == set(body)
    assert (await client.get(f"{API}/me", headers=alice.auth)).json() == alice.user
    async with engine.connect() as connection:
        row = (await connection.execute(text("SELECT id, is_admin, is_active FROM users"))).one()
    assert (row.id, bool(row.is_admin), bool(row.is_active)) == (alice.user["id"], False, True)
