from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import register_admin
from tests.support.api import PASSWORD, register
from tests.support.doubles import ManualClock


async def test_the_eleventh_failed_login_is_429_with_retry_after(
    client: httpx.AsyncClient,
) -> None:
    await register(client, "alice")
    wrong = {"username": "alice", "password": "not the password"}
    for _ in range(10):
        assert (await client.post("/api/v1/auth/login", json=wrong)).status_code == 401

    right = {"username": "alice", "password": PASSWORD}
    response = await client.post("/api/v1/auth/login", json=right)
    assert response.status_code == 429
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "too_many_attempts"
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60


async def test_a_lockout_ends_with_its_window(
    clocked_client: httpx.AsyncClient, clock: ManualClock
) -> None:
    """The owner is locked out for the window only, however hard it is hammered."""
    await register(clocked_client, "alice")
    wrong = {"username": "alice", "password": "not the password"}
    right = {"username": "alice", "password": PASSWORD}
    for _ in range(10):
        assert (await clocked_client.post("/api/v1/auth/login", json=wrong)).status_code == 401
    for _ in range(5):  # hammering while locked
        clock.advance(timedelta(minutes=2))
        assert (await clocked_client.post("/api/v1/auth/login", json=wrong)).status_code == 429
    locked = await clocked_client.post("/api/v1/auth/login", json=right)
    assert locked.status_code == 429
    clock.advance(timedelta(seconds=int(locked.headers["retry-after"])))
    assert (await clocked_client.post("/api/v1/auth/login", json=right)).status_code == 200


async def test_registrations_per_address_hit_the_limit_exactly(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    admin = await register_admin(client, engine)
    settings = await client.patch(
        "/api/v1/admin/settings",
        json={"registrations_per_address_per_hour": 3},
        headers=admin.auth,
    )
    assert settings.status_code == 200, settings.text
    # The admin's own registration counted already: two more pass, the next is refused.
    for name in ("bob", "carol"):
        assert (await register(client, name)).tokens["access_token"]
    refused = await client.post(
        "/api/v1/auth/register",
        json={"username": "dave", "email": "dave@example.com", "password": PASSWORD},
    )
    assert refused.status_code == 429, refused.text
    assert refused.json()["code"] == "too_many_attempts"
    assert int(refused.headers["retry-after"]) > 0
    profile = await client.get("/api/v1/users/dave")
    assert profile.status_code == 404  # nothing was created
