"""Calling the HTTP API as a client does, and checking its problem documents."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.app import TEST_SECRET

PASSWORD = "correct horse battery staple"

PROBLEM_JSON = "application/problem+json"
API = "/api/v1"
# What must never appear in an error response: stack traces, SQL, driver names, the key.
LEAK_MARKERS = ("Traceback", 'File "', "SELECT ", "INSERT ", "sqlalchemy", TEST_SECRET.decode())


@dataclass
class Account:
    """A registered user as a client knows it."""

    username: str
    email: str
    password: str
    user: dict[str, Any]
    tokens: dict[str, Any]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens['access_token']}"}


async def register(client: httpx.AsyncClient, username: str = "alice", **fields: str) -> Account:
    body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
    body.update(fields)
    response = await client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    payload = response.json()
    return Account(
        body["username"], body["email"], body["password"], payload["user"], payload["tokens"]
    )


async def login(client: httpx.AsyncClient, password: str = PASSWORD, **who: str) -> httpx.Response:
    """POST /auth/login with ``username=`` or ``email=`` (or both, or neither)."""
    return await client.post(f"{API}/auth/login", json={"password": password, **who})


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post(f"{API}/auth/refresh", json={"refresh_token": refresh_token})


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def assert_problem(
    response: httpx.Response, status: int, code: str | None = None
) -> dict[str, Any]:
    """``response`` is an RFC 9457 problem document with ``status`` (and ``code``); its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0].strip() == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["type"], str)
    assert isinstance(body["title"], str)
    assert isinstance(body["detail"], str)
    assert isinstance(body["code"], str)
    if code is not None:
        assert body["code"] == code, body
    for marker in LEAK_MARKERS:
        assert marker not in response.text
    return body


def assert_unauthorized(response: httpx.Response, code: str | None = None) -> dict[str, Any]:
    body = assert_problem(response, 401, code)
    assert response.headers["www-authenticate"].startswith("Bearer")
    return body


def error_fields(body: dict[str, Any]) -> set[str]:
    """The fields named by a validation problem's ``errors`` list."""
    return {error["field"] for error in body["errors"]}


def next_link(response: httpx.Response) -> str | None:
    """The target of the response's RFC 8288 ``Link: <...>; rel="next"``, if any."""
    header = response.headers.get("link")
    if header is None:
        return None
    match = re.fullmatch(r'<([^>]+)>;\s*rel="next"', header.strip())
    assert match, header
    return match.group(1)
