"""POST /auth/register, /login, /refresh, /logout and /logout-all, as API.md defines them."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.settings_cache import SettingsCache
from tests.support.accounts import register_admin
from tests.support.api import (
    API,
    PASSWORD,
    assert_problem,
    assert_unauthorized,
    bearer,
    error_fields,
    login,
    refresh,
    register,
)
from tests.support.app import TEST_SECRET
from tests.support.doubles import ManualClock
from tests.support.tokens import token_claims

USER_PRIVATE_FIELDS = {
    "id",
    "username",
    "email",
    "first_name",
    "last_name",
    "bio",
    "avatar_url",
    "is_admin",
    "created_at",
    "last_login",
    "followers_count",
    "following_count",
    "tweets_count",
}
TOKEN_PAIR_FIELDS = {
    "access_token",
    "refresh_token",
    "token_type",
    "expires_in",
    "refresh_expires_in",
}
DEFAULT_ACCESS_TTL = 30
DEFAULT_REFRESH_TTL = 30 * 24 * 3600
NO_ACTIVE_ACCOUNT = "No active account found with the given credentials"
DAY = timedelta(days=1)


def assert_token_pair(response: httpx.Response, status: int = 200) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["cache-control"] == "no-store"
    pair: dict[str, object] = response.json()
    assert set(pair) == TOKEN_PAIR_FIELDS
    assert pair["token_type"] == "Bearer"
    return pair


def parse_timestamp(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value)


async def set_active(engine: AsyncEngine, username: str, active: bool) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE users SET is_active = :active WHERE username_canonical = :name"),
            {"active": active, "name": username.lower()},
        )


# --- register ---------------------------------------------------------------------------


async def test_register_returns_the_private_user_and_a_default_token_pair(
    client: httpx.AsyncClient,
) -> None:
    before = datetime.now(UTC)
    response = await client.post(
        f"{API}/auth/register",
        json={
            "username": "Alice_1",
            "email": "Alice@Example.com",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "first_name": "Alice",
            "last_name": "Liddell",
            "bio": "Down the rabbit hole.",
        },
    )

    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"user", "tokens"}
    user = body["user"]
    assert set(user) == USER_PRIVATE_FIELDS
    assert isinstance(user["id"], int)
    assert user | {"id": 0, "created_at": ""} == {
        "id": 0,
        "username": "Alice_1",
        "email": "Alice@Example.com",
        "first_name": "Alice",
        "last_name": "Liddell",
        "bio": "Down the rabbit hole.",
        "avatar_url": None,
        "is_admin": False,
        "created_at": "",
        "last_login": None,
        "followers_count": 0,
        "following_count": 0,
        "tweets_count": 0,
    }
    created = parse_timestamp(user["created_at"])
    assert before - timedelta(seconds=1) <= created <= datetime.now(UTC) + timedelta(seconds=1)

    tokens = body["tokens"]
    assert set(tokens) == TOKEN_PAIR_FIELDS
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == DEFAULT_ACCESS_TTL
    assert tokens["refresh_expires_in"] == DEFAULT_REFRESH_TTL
    # 128 random bits take at least 22 base64 characters.
    assert len(tokens["refresh_token"]) >= 22
    me = await client.get(f"{API}/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json() == user


async def test_the_access_token_is_an_at_jwt_with_the_contract_claims(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    access = alice.tokens["access_token"]

    header = jwt.get_unverified_header(access)
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "HS256"
    claims = jwt.decode(access, TEST_SECRET, algorithms=["HS256"], issuer="chirp")
    assert claims["sub"] == str(alice.user["id"])
    assert claims["adm"] is False
    assert "sid" in claims
    assert claims["exp"] - claims["iat"] == DEFAULT_ACCESS_TTL


async def test_secrets_are_stored_only_as_hashes(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice = await register(client)
    async with engine.connect() as connection:
        password_hash = (
            await connection.execute(text("SELECT password_hash FROM users"))
        ).scalar_one()
        token_hashes = (
            (await connection.execute(text("SELECT token_hash FROM refresh_tokens")))
            .scalars()
            .all()
        )

    assert PASSWORD not in password_hash
    match = re.fullmatch(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$.+", password_hash)
    assert match is not None, password_hash
    memory, iterations, lanes = map(int, match.groups())
    assert memory >= 19 * 1024
    assert iterations >= 2
    assert lanes >= 1
    raw = alice.tokens["refresh_token"]
    assert token_hashes == [hashlib.sha256(raw.encode()).hexdigest()]


@pytest.mark.parametrize(
    ("second", "code"),
    [
        ({"username": "ALICE", "email": "other@example.com"}, "username_taken"),
        ({"username": "alice", "email": "other@example.com"}, "username_taken"),
        ({"username": "bob", "email": "ALICE@example.COM"}, "email_taken"),
    ],
)
async def test_register_refuses_a_taken_username_or_email_case_insensitively(
    client: httpx.AsyncClient, engine: AsyncEngine, second: dict[str, str], code: str
) -> None:
    await register(client, "Alice", email="alice@example.com")

    response = await client.post(f"{API}/auth/register", json={**second, "password": PASSWORD})

    assert_problem(response, 409, code)
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT COUNT(*) FROM users"))).scalar_one() == 1


async def test_register_refuses_a_password_confirmation_that_differs(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        f"{API}/auth/register",
        json={
            "username": "alice",
            "email": "alice@example.com",
            "password": PASSWORD,
            "password_confirm": PASSWORD + "!",
        },
    )

    assert_problem(response, 400, "password_mismatch")


async def test_register_reports_every_invalid_field_at_once(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/auth/register",
        json={
            "username": "a b",
            "email": "not-an-address",
            "password": "short",
            "first_name": "x" * 151,
            "last_name": "y" * 151,
            "bio": "z" * 161,
        },
    )

    body = assert_problem(response, 400, "validation_error")
    assert error_fields(body) == {"username", "email", "password", "first_name", "last_name", "bio"}
    assert all(isinstance(error["message"], str) and error["message"] for error in body["errors"])


@pytest.mark.parametrize(
    ("path", "body", "missing"),
    [
        ("/auth/register", {"username": "alice", "email": "alice@example.com"}, "password"),
        ("/auth/logout", {}, "refresh_token"),
    ],
)
async def test_a_missing_required_field_is_named(
    client: httpx.AsyncClient, path: str, body: dict[str, str], missing: str
) -> None:
    response = await client.post(f"{API}{path}", json=body)

    problem = assert_problem(response, 400, "validation_error")
    assert error_fields(problem) == {missing}


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("1234567", id="seven-characters"),
        pytest.param("x" * 129, id="129-characters"),
        pytest.param("password1", id="a-common-password"),
        pytest.param("alice_the_user", id="the-username"),
        pytest.param("ALICE@example.com", id="the-email"),
    ],
)
async def test_register_applies_the_password_rules(
    client: httpx.AsyncClient, password: str
) -> None:
    response = await client.post(
        f"{API}/auth/register",
        json={"username": "alice_the_user", "email": "alice@example.com", "password": password},
    )

    body = assert_problem(response, 400, "validation_error")
    assert error_fields(body) == {"password"}


async def test_long_passwords_are_never_truncated(client: httpx.AsyncClient) -> None:
    password = "".join(chr(ord("a") + i % 26) for i in range(128))
    await register(client, password=password)

    assert_problem(await login(client, password[:72], username="alice"), 401)
    assert_token_pair(await login(client, password, username="alice"))


# --- login ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who",
    [
        {"username": "alice"},
        {"username": "ALICE"},
        {"email": "alice@example.com"},
        {"email": "Alice@EXAMPLE.com"},
    ],
)
async def test_login_by_username_or_email_case_insensitively(
    client: httpx.AsyncClient, who: dict[str, str]
) -> None:
    alice = await register(client)

    pair = assert_token_pair(await login(client, **who))

    assert pair["expires_in"] == DEFAULT_ACCESS_TTL
    assert pair["refresh_expires_in"] == DEFAULT_REFRESH_TTL
    claims = token_claims(str(pair["access_token"]))
    assert claims["sub"] == str(alice.user["id"])
    # A login is a new session.
    assert claims["sid"] != token_claims(alice.tokens["access_token"])["sid"]


@pytest.mark.parametrize(
    "who",
    [{}, {"username": "alice", "email": "alice@example.com"}],
    ids=["neither", "both"],
)
async def test_login_needs_exactly_one_of_username_and_email(
    client: httpx.AsyncClient, who: dict[str, str]
) -> None:
    response = await login(client, **who)

    assert_problem(response, 400, "validation_error")


async def test_login_fails_alike_for_a_wrong_password_or_an_unknown_account(
    client: httpx.AsyncClient,
) -> None:
    await register(client)

    for response in [
        await login(client, "wrong password entirely", username="alice"),
        await login(client, "wrong password entirely", email="alice@example.com"),
        await login(client, username="nobody"),
        await login(client, email="nobody@example.com"),
    ]:
        body = assert_problem(response, 401, "invalid_credentials")
        assert body["detail"] == NO_ACTIVE_ACCOUNT


async def test_a_deactivated_account_cannot_log_in(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await register(client)
    await set_active(engine, "alice", False)

    body = assert_problem(await login(client, username="alice"), 401, "invalid_credentials")
    assert body["detail"] == NO_ACTIVE_ACCOUNT


async def test_login_records_last_login(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    assert (await client.get(f"{API}/me", headers=alice.auth)).json()["last_login"] is None

    before = datetime.now(UTC)
    pair = assert_token_pair(await login(client, username="alice"))

    me = (await client.get(f"{API}/me", headers=bearer(str(pair["access_token"])))).json()
    last_login = parse_timestamp(me["last_login"])
    assert before - timedelta(seconds=1) <= last_login <= datetime.now(UTC) + timedelta(seconds=1)
    assert last_login >= parse_timestamp(me["created_at"])


# --- refresh ----------------------------------------------------------------------------


async def test_refresh_rotates_the_pair_within_the_same_session(client: httpx.AsyncClient) -> None:
    alice = await register(client)

    pair = assert_token_pair(await refresh(client, alice.tokens["refresh_token"]))

    assert pair["refresh_token"] != alice.tokens["refresh_token"]
    assert pair["expires_in"] == DEFAULT_ACCESS_TTL
    assert pair["refresh_expires_in"] == DEFAULT_REFRESH_TTL
    new_claims = token_claims(str(pair["access_token"]))
    assert new_claims["sid"] == token_claims(alice.tokens["access_token"])["sid"]
    me = await client.get(f"{API}/me", headers=bearer(str(pair["access_token"])))
    assert me.status_code == 200
    assert me.json()["username"] == "alice"


async def test_a_rotated_token_within_the_grace_window_is_refused_and_revokes_nothing(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    old = alice.tokens["refresh_token"]
    newest = assert_token_pair(await refresh(client, old))["refresh_token"]

    assert_unauthorized(await refresh(client, old), "refresh_token_rotated")

    assert_token_pair(await refresh(client, str(newest)))


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 43])
async def test_refresh_with_an_unknown_token(client: httpx.AsyncClient, token: str) -> None:
    assert_unauthorized(await refresh(client, token), "invalid_refresh_token")


async def test_reuse_after_the_grace_window_revokes_the_whole_session(
    clocked_client: httpx.AsyncClient, clock: ManualClock, engine: AsyncEngine
) -> None:
    client = clocked_client
    admin = await register_admin(client, engine)
    alice = await register(client)
    other_session = assert_token_pair(await login(client, username="alice"))
    first = alice.tokens["refresh_token"]
    second = str(assert_token_pair(await refresh(client, first))["refresh_token"])
    newest = str(assert_token_pair(await refresh(client, second))["refresh_token"])
    response = await client.patch(
        f"{API}/admin/settings", json={"refresh_reuse_grace_seconds": 0}, headers=admin.auth
    )
    assert response.status_code == 200, response.text

    # Less than the default grace (10 s): only the new setting makes this a reuse.
    clock.advance(SettingsCache.max_age + timedelta(seconds=1))
    assert_unauthorized(await refresh(client, second), "refresh_token_reused")

    assert_unauthorized(await refresh(client, newest), "invalid_refresh_token")
    assert_unauthorized(await refresh(client, first), "invalid_refresh_token")
    assert_token_pair(await refresh(client, str(other_session["refresh_token"])))


async def test_each_refresh_gives_a_fresh_lifetime_until_one_expires(
    clocked_client: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = clocked_client
    token = (await register(client)).tokens["refresh_token"]

    # Forty days after login the session lives on, because each token got a fresh 30 days.
    for _ in range(2):
        clock.advance(20 * DAY)
        pair = assert_token_pair(await refresh(client, token))
        assert pair["refresh_expires_in"] == DEFAULT_REFRESH_TTL
        token = str(pair["refresh_token"])

    clock.advance(timedelta(seconds=DEFAULT_REFRESH_TTL + 1))
    assert_unauthorized(await refresh(client, token), "refresh_token_expired")


async def test_refresh_for_a_deactivated_user_fails(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice = await register(client)
    await set_active(engine, "alice", False)

    assert_unauthorized(
        await refresh(client, alice.tokens["refresh_token"]), "invalid_refresh_token"
    )


async def test_a_password_change_ends_every_other_session(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    other = assert_token_pair(await login(client, username="alice"))
    new_password = "a brand new passphrase"

    response = await client.patch(
        f"{API}/me",
        json={"password": new_password, "current_password": PASSWORD},
        headers=alice.auth,
    )
    assert response.status_code == 200, response.text

    assert_unauthorized(await refresh(client, str(other["refresh_token"])), "invalid_refresh_token")
    assert (await client.get(f"{API}/me", headers=alice.auth)).status_code == 200
    assert_token_pair(await refresh(client, alice.tokens["refresh_token"]))
    assert_problem(await login(client, username="alice"), 401, "invalid_credentials")
    assert_token_pair(await login(client, new_password, username="alice"))


# --- logout -----------------------------------------------------------------------------


async def test_logout_ends_that_session_only(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    other = assert_token_pair(await login(client, username="alice"))
    token = str(
        assert_token_pair(await refresh(client, alice.tokens["refresh_token"]))["refresh_token"]
    )

    response = await client.post(f"{API}/auth/logout", json={"refresh_token": token})

    assert response.status_code == 204
    assert response.content == b""
    assert_unauthorized(await refresh(client, token), "invalid_refresh_token")
    assert_unauthorized(
        await refresh(client, alice.tokens["refresh_token"]), "invalid_refresh_token"
    )
    assert_token_pair(await refresh(client, str(other["refresh_token"])))


async def test_logout_with_an_unknown_token(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/auth/logout", json={"refresh_token": "not-a-token"})

    assert_unauthorized(response, "invalid_refresh_token")


async def test_logout_twice_is_refused_the_second_time(client: httpx.AsyncClient) -> None:
    token = (await register(client)).tokens["refresh_token"]
    assert (
        await client.post(f"{API}/auth/logout", json={"refresh_token": token})
    ).status_code == 204

    response = await client.post(f"{API}/auth/logout", json={"refresh_token": token})

    assert_unauthorized(response, "invalid_refresh_token")


async def test_logout_all_ends_every_session_of_the_user_only(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    second = assert_token_pair(await login(client, username="alice"))
    bob = await register(client, "bob")

    response = await client.post(f"{API}/auth/logout-all", headers=alice.auth)

    assert response.status_code == 204
    assert response.content == b""
    for token in [alice.tokens["refresh_token"], str(second["refresh_token"])]:
        assert_unauthorized(await refresh(client, token), "invalid_refresh_token")
    assert_token_pair(await refresh(client, bob.tokens["refresh_token"]))
