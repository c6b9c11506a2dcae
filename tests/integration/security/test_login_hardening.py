"""Logins against password changes, long or aliased login names, and what a lockout tells."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.argon2_hasher import Argon2PasswordHasher
from adapters.sql.tables import sessions
from application.ports.password_hasher import PasswordHasher
from tests.support.api import (
    API,
    PASSWORD,
    assert_problem,
    assert_unauthorized,
    error_fields,
    login,
    refresh,
    register,
)
from tests.support.app import make_app, serve
from tests.support.tokens import token_claims
from tests.support.wiring import override

KELVIN = "\u212a"  # KELVIN SIGN: str.lower() makes it "k"
NEW_PASSWORD = "a brand new secret phrase"


class HookedHasher(Argon2PasswordHasher):
    """The real hasher; after one verify it runs ``meanwhile`` (as other requests run while
    argon2 works) before answering."""

    def __init__(self) -> None:
        super().__init__(threads=1)
        self.meanwhile: Callable[[], Awaitable[object]] | None = None

    async def verify(self, password_hash: str, password: str) -> bool:
        matches = await super().verify(password_hash, password)
        meanwhile, self.meanwhile = self.meanwhile, None
        if meanwhile is not None:
            await meanwhile()
        return matches


@pytest.fixture
def hasher() -> HookedHasher:
    return HookedHasher()


@pytest.fixture
async def hooked_client(
    engine: AsyncEngine, hasher: HookedHasher, media_dir: Path
) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(
        make_app(engine, override(PasswordHasher, hasher), media_dir=media_dir)
    ) as http:
        yield http
    hasher.close()


async def live_sessions(engine: AsyncEngine, user_id: int) -> set[int]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(sessions.c.id).where(
                sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None)
            )
        )
        return {row.id for row in rows}


async def test_a_login_that_verified_the_old_password_during_a_change_gets_no_session(
    hooked_client: httpx.AsyncClient, hasher: HookedHasher, engine: AsyncEngine
) -> None:
    """The change commits while the login checks the old password: the login fails, so no
    session the change could not revoke is made with the old password."""
    client = hooked_client
    alice = await register(client)
    changed: list[httpx.Response] = []

    async def change_password() -> None:
        body = {"password": NEW_PASSWORD, "current_password": PASSWORD}
        changed.append(await client.patch(f"{API}/me", json=body, headers=alice.auth))

    hasher.meanwhile = change_password
    response = await login(client, username="alice")

    assert changed[0].status_code == 200, changed[0].text
    assert_unauthorized(response, "invalid_credentials")
    own_session = int(token_claims(alice.tokens["access_token"])["sid"])
    assert await live_sessions(engine, alice.user["id"]) == {own_session}
    assert (await refresh(client, alice.tokens["refresh_token"])).status_code == 200
    assert (await login(client, NEW_PASSWORD, username="alice")).status_code == 200


# --- Login names: bounded, and throttled under a fixed-size key ---


@pytest.mark.parametrize(
    ("field", "name"),
    [
        ("username", "a" * 31),
        ("username", "a" * 100_000),
        ("email", "a" * 243 + "@example.com"),  # 255 characters
        ("email", "a" * 100_000 + "@example.com"),
    ],
    ids=["username-31", "username-100k", "email-255", "email-100k"],
)
async def test_a_login_name_longer_than_any_account_can_have_is_a_validation_error(
    client: httpx.AsyncClient, field: str, name: str
) -> None:
    body = assert_problem(await login(client, **{field: name}), 400, "validation_error")
    assert error_fields(body) == {field}


@pytest.mark.parametrize(
    ("field", "name"),
    [("username", "a" * 30), ("email", "a" * 242 + "@example.com")],
    ids=["username-30", "email-254"],
)
async def test_a_login_name_at_the_length_limit_is_an_ordinary_failure(
    client: httpx.AsyncClient, field: str, name: str
) -> None:
    assert_unauthorized(await login(client, **{field: name}), "invalid_credentials")


# --- A lockout says nothing about which e-mail belongs to which username ---


async def test_locking_a_username_out_does_not_lock_its_email(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    await register(client, "bob")
    for _ in range(10):
        assert_unauthorized(await login(client, "wrong password", username="alice"))
    assert_problem(await login(client, username="alice"), 429, "too_many_attempts")

    # alice's address answers as bob's and as an unknown one: nothing links it to alice.
    for email in ("alice@example.com", "bob@example.com", "nobody@example.com"):
        assert_unauthorized(await login(client, "wrong password", email=email))
    assert (await login(client, email="alice@example.com")).status_code == 200
    assert_problem(await login(client, username="ALICE"), 429, "too_many_attempts")


async def test_locking_an_email_out_does_not_lock_its_username(client: httpx.AsyncClient) -> None:
    await register(client, "alice")
    for _ in range(10):
        assert_unauthorized(await login(client, "wrong password", email="alice@example.com"))
    assert_problem(await login(client, email="Alice@Example.COM"), 429, "too_many_attempts")

    assert_unauthorized(await login(client, "wrong password", username="alice"))
    assert (await login(client, username="alice")).status_code == 200


# --- Unicode case aliasing: KELVIN SIGN is not "k" ---


async def test_a_kelvin_sign_username_does_not_reach_the_k_account(
    client: httpx.AsyncClient,
) -> None:
    await register(client, "kate")
    assert (await login(client, username="KATE")).status_code == 200

    assert_unauthorized(await login(client, username=f"{KELVIN}ate"), "invalid_credentials")
    assert_unauthorized(await login(client, username=f"{KELVIN}ATE"), "invalid_credentials")


async def test_a_kelvin_sign_email_neither_squats_nor_reaches_another_account(
    client: httpx.AsyncClient,
) -> None:
    squatter = await client.post(
        f"{API}/auth/register",
        json={"username": "mallory", "email": f"{KELVIN}ate@example.com", "password": PASSWORD},
    )
    assert error_fields(assert_problem(squatter, 400, "validation_error")) == {"email"}
    kate = await register(client, "kate")  # kate@example.com is still free

    assert_unauthorized(
        await login(client, email=f"{KELVIN}ate@example.com"), "invalid_credentials"
    )
    mallory = await register(client, "mallory")
    moved = await client.patch(
        f"{API}/me", json={"email": f"{KELVIN}ATE@example.com"}, headers=mallory.auth
    )
    assert error_fields(assert_problem(moved, 400, "validation_error")) == {"email"}
    response = await login(client, email="KATE@example.com")
    assert token_claims(response.json()["access_token"])["sub"] == str(kate.user["id"])
