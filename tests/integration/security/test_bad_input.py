"""Bad input of every kind is a 4xx problem document (never a 500) and stores nothing."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.tables import refresh_tokens, sessions, users
from tests.support.accounts import register_admin
from tests.support.api import (
    API,
    PASSWORD,
    assert_problem,
    assert_unauthorized,
    error_fields,
    register,
)
from tests.support.tokens import forge_access_token, token_claims

REGISTER = f"{API}/auth/register"
VALID = {"username": "mallory", "email": "mallory@example.com", "password": PASSWORD}
MIB = 1024 * 1024
JSON_HEADERS = {"Content-Type": "application/json"}


async def stored_rows(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        return {
            table.name: (
                await connection.execute(select(func.count()).select_from(table))
            ).scalar_one()
            for table in (users, sessions, refresh_tokens)
        }


NOTHING = {"users": 0, "sessions": 0, "refresh_tokens": 0}


# --- JSON bodies with one bad field: 400 validation_error naming that field ---------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"is_admin": True}, "is_admin", id="unknown-field-is_admin"),
        pytest.param({"password2": PASSWORD}, "password2", id="unknown-field-password2"),
        pytest.param({"username": 123}, "username", id="username-int"),
        pytest.param({"email": ["mallory@example.com"]}, "email", id="email-list"),
        pytest.param({"password": 12345678}, "password", id="password-int"),
        pytest.param({"first_name": True}, "first_name", id="first_name-bool"),
        pytest.param({"bio": {"text": "hi"}}, "bio", id="bio-object"),
        pytest.param({"username": None}, "username", id="username-null"),
        pytest.param({"email": None}, "email", id="email-null"),
        pytest.param({"password": None}, "password", id="password-null"),
        pytest.param({"username": "u" * 10_000}, "username", id="username-10000"),
        pytest.param({"username": "u" * 31}, "username", id="username-31"),
        pytest.param({"username": "mallöry"}, "username", id="username-non-ascii"),
        pytest.param({"email": "e" * 250 + "@example.com"}, "email", id="email-262"),
        pytest.param({"first_name": "f" * 200}, "first_name", id="first_name-200"),
        pytest.param({"bio": "b" * 161}, "bio", id="bio-161"),
        pytest.param({"password": "p" * 129}, "password", id="password-129"),
    ],
)
async def test_register_with_a_bad_field(
    client: httpx.AsyncClient, engine: AsyncEngine, changes: dict[str, Any], field: str
) -> None:
    response = await client.post(REGISTER, json=VALID | changes)

    body = assert_problem(response, 400, "validation_error")
    assert error_fields(body) == {field}
    assert await stored_rows(engine) == NOTHING


# --- Bodies that are not a JSON object --------------------------------------------------


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        pytest.param(b'{"username": "mallory",', JSON_HEADERS, id="malformed"),
        pytest.param(b"", JSON_HEADERS, id="empty"),
        pytest.param(json.dumps([VALID]).encode(), JSON_HEADERS, id="array"),
        pytest.param(b'"mallory"', JSON_HEADERS, id="string"),
        pytest.param(b"null", JSON_HEADERS, id="null"),
    ],
)
async def test_register_with_a_body_that_is_not_a_json_object(
    client: httpx.AsyncClient, engine: AsyncEngine, content: bytes, headers: dict[str, str]
) -> None:
    response = await client.post(REGISTER, content=content, headers=headers)

    assert_problem(response, 400, "validation_error")
    assert await stored_rows(engine) == NOTHING


async def test_an_empty_body_says_so(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    for path in ("/auth/register", "/auth/login"):
        response = await client.post(f"{API}{path}", content=b"", headers=JSON_HEADERS)

        body = assert_problem(response, 400, "validation_error")
        assert body["detail"] == "The request body is empty: send a JSON object."
        assert body["errors"] == [{"field": "body", "message": body["detail"]}]
    assert await stored_rows(engine) == NOTHING


# 800 levels: deeper than the stack a request runs on allows, only 1.6 KB on the wire.
DEEP = 800


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"[" * DEEP + b"]" * DEEP, id="arrays"),
        pytest.param(b'{"a":' * DEEP + b"1" + b"}" * DEEP, id="objects"),
        pytest.param(b'{"text": ' + b"[" * DEEP + b"]" * DEEP + b"}", id="in-a-field"),
        pytest.param(
            b'{"username": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", id="50000-in-a-field"
        ),
    ],
)
async def test_a_deeply_nested_body_is_a_validation_error_with_a_short_log(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
    content: bytes,
) -> None:
    alice = await register(client, "alice")
    # Load the copy of recent deactivations that token checks read (a query, logged at DEBUG).
    assert (await client.get(f"{API}/me", headers=alice.auth)).status_code == 200
    caplog.set_level(logging.DEBUG)
    caplog.clear()  # only what the nested bodies make the server log counts
    calls = [
        ("POST", "/auth/register", {}),
        ("POST", "/auth/login", {}),
        ("PATCH", "/me", alice.auth),
        ("POST", "/tweets", alice.auth),
    ]

    for method, path, auth in calls:
        response = await client.request(
            method, f"{API}{path}", content=content, headers=JSON_HEADERS | auth
        )

        assert_problem(response, 400, "validation_error")
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(caplog.text) < 300 * len(calls), caplog.text[:2000]
    assert await stored_rows(engine) == NOTHING | {"users": 1, "sessions": 1, "refresh_tokens": 1}


async def test_register_with_a_body_that_is_not_utf8(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    content = b'{"username": "mall\xffory", "email": "mallory@example.com", "password": "x"}'

    response = await client.post(REGISTER, content=content, headers=JSON_HEADERS)

    assert_problem(response, 400, "validation_error")
    assert await stored_rows(engine) == NOTHING


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/octet-stream", "application/x-www-form-urlencoded", ""],
)
async def test_register_with_a_content_type_that_is_not_json(
    client: httpx.AsyncClient, engine: AsyncEngine, content_type: str
) -> None:
    response = await client.post(
        REGISTER, content=json.dumps(VALID).encode(), headers={"Content-Type": content_type}
    )

    assert_problem(response, 415, "unsupported_media_type")
    assert await stored_rows(engine) == NOTHING


# --- The other anonymous endpoints --------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "statuses"),
    [
        ("/auth/login", {"username": "mallory", "password": PASSWORD, "admin": True}, {400}),
        ("/auth/login", {"username": 1, "password": PASSWORD}, {400}),
        ("/auth/login", {"username": "mallory", "password": None}, {400}),
        ("/auth/login", {"username": "m" * 10_000, "password": PASSWORD}, {400, 401}),
        ("/auth/login", [{"username": "mallory", "password": PASSWORD}], {400}),
        ("/auth/refresh", {"refresh_token": 1}, {400}),
        ("/auth/refresh", {"refresh_token": None}, {400}),
        ("/auth/refresh", {"refresh_token": "r" * 10_000}, {400, 401}),
        ("/auth/logout", {"refresh_token": ["x"]}, {400}),
        ("/auth/logout", "x", {400}),
    ],
)
async def test_anonymous_endpoints_with_bad_bodies(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    path: str,
    body: Any,
    statuses: set[int],
) -> None:
    response = await client.post(f"{API}{path}", json=body)

    assert response.status_code in statuses, response.text
    assert_problem(response, response.status_code)
    assert await stored_rows(engine) == NOTHING


async def test_a_setting_given_as_a_string_is_refused(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    admin = await register_admin(client, engine)

    response = await client.patch(
        f"{API}/admin/settings", json={"access_token_ttl_seconds": "600"}, headers=admin.auth
    )

    assert_problem(response, 400, "validation_error")
    settings = (await client.get(f"{API}/admin/settings", headers=admin.auth)).json()
    assert settings["access_token_ttl_seconds"] == 30


# --- Access tokens: 401 with WWW-Authenticate: Bearer -------------------------------------

Headers = Callable[[dict[str, Any], str], dict[str, str]]


def forged(**options: Any) -> Headers:
    def headers(claims: dict[str, Any], _: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {forge_access_token(claims, **options)}"}

    return headers


def with_claims(**changes: Any) -> Headers:
    def headers(claims: dict[str, Any], _: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {forge_access_token(claims | changes)}"}

    return headers


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param(
            {"Authorization": "Basic " + base64.b64encode(b"alice:" + PASSWORD.encode()).decode()},
            id="basic",
        ),
        pytest.param({"Authorization": "Bearer"}, id="bearer-no-token"),
        pytest.param({"Authorization": "Bearer "}, id="bearer-blank"),
        pytest.param({"Authorization": "Bearer garbage"}, id="garbage"),
        pytest.param({"Authorization": "Bearer a.b.c"}, id="three-garbage-parts"),
    ],
)
async def test_a_malformed_authorization_header_is_unauthorized(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    assert_unauthorized(await client.get(f"{API}/me", headers=headers))


# Each of these starts from a real account's valid token and spoils one thing. Forged
# signatures, algorithms, headers and claims are security/test_jwt_forgeries.py's.
BAD_CREDENTIALS: list[Any] = [
    pytest.param(lambda _claims, token: {"Authorization": f"Token {token}"}, id="other-scheme"),
    pytest.param(lambda _claims, token: {"Authorization": token}, id="no-scheme"),
    pytest.param(with_claims(sub=None), id="sub-null"),
]


@pytest.mark.parametrize("credentials", BAD_CREDENTIALS)
async def test_a_spoiled_access_token_is_unauthorized(
    client: httpx.AsyncClient, credentials: Headers
) -> None:
    # A real account and session, so that only the flaw in the token can be refused.
    alice = await register(client)
    token = alice.tokens["access_token"]

    response = await client.get(f"{API}/me", headers=credentials(token_claims(token), token))

    assert_unauthorized(response)


@pytest.mark.parametrize(
    "credentials",
    [
        pytest.param(forged(), id="forged-with-the-real-key"),
        pytest.param(lambda _claims, token: {"Authorization": f"bearer {token}"}, id="lowercase"),
    ],
)
async def test_the_forging_above_is_otherwise_sound(
    client: httpx.AsyncClient, credentials: Headers
) -> None:
    alice = await register(client)
    token = alice.tokens["access_token"]

    response = await client.get(f"{API}/me", headers=credentials(token_claims(token), token))

    assert response.status_code == 200, response.text
    assert response.json()["username"] == "alice"


# --- Size, routing and method -------------------------------------------------------------


async def test_a_body_over_one_mebibyte_is_too_large(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    response = await client.post(REGISTER, json=VALID | {"bio": "b" * (MIB + 1)})

    assert_problem(response, 413, "request_too_large")
    assert await stored_rows(engine) == NOTHING


async def test_a_streamed_body_over_one_mebibyte_is_too_large(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"username": "mallory", "email": "mallory@example.com", "bio": "'
        for _ in range(1025):
            yield b"b" * 1024
        yield b'", "password": "' + PASSWORD.encode() + b'"}'

    # No Content-Length: the limit must hold for a chunked body too.
    response = await client.post(REGISTER, content=chunks(), headers=JSON_HEADERS)

    assert_problem(response, 413, "request_too_large")
    assert await stored_rows(engine) == NOTHING


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/nothing-here"),
        ("POST", "/api/v1/auth/registerx"),
        ("GET", "/api/v2/me"),
        ("GET", "/nothing-here"),
    ],
)
async def test_an_unknown_route_is_not_found(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    assert_problem(await client.request(method, path), 404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/api/v1/auth/login", "POST"),
        ("DELETE", "/api/v1/auth/register", "POST"),
        ("DELETE", "/api/v1/me", "GET"),
        ("POST", "/api/v1/admin/settings", "PATCH"),
        ("POST", "/health", "GET"),
    ],
)
async def test_a_wrong_method_is_not_allowed(
    client: httpx.AsyncClient, method: str, path: str, allowed: str
) -> None:
    response = await client.request(method, path)

    assert_problem(response, 405)
    assert allowed in {m.strip() for m in response.headers["allow"].split(",")}


# --- NUL characters (PostgreSQL text cannot hold them) ------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/auth/register", VALID | {"first_name": "a\x00"}, 400, "validation_error"),
        ("/auth/register", VALID | {"email": "mal\x00lory@example.com"}, 400, "validation_error"),
        ("/auth/login", {"username": "mal\x00lory", "password": PASSWORD}, 401, None),
        ("/auth/login", {"email": "m\x00@example.com", "password": PASSWORD}, 401, None),
    ],
)
async def test_a_nul_character_is_a_client_error_never_a_500(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    path: str,
    body: dict[str, Any],
    status: int,
    code: str | None,
) -> None:
    response = await client.post(f"{API}{path}", json=body)

    assert_problem(response, status, code or "invalid_credentials")
    assert await stored_rows(engine) == NOTHING


async def test_a_nul_character_in_a_profile_update_is_refused(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client, "alice")

    response = await client.patch(f"{API}/me", json={"bio": "a\x00b"}, headers=account.auth)

    assert_problem(response, 400, "validation_error")
    assert (await client.get(f"{API}/me", headers=account.auth)).json()["bio"] == ""
