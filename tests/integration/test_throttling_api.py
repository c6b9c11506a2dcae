from __future__ import annotations

import httpx

from tests.integration.conftest import PASSWORD, register


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
