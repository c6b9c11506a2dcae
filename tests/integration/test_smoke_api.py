from __future__ import annotations

import httpx

from tests.integration.conftest import register


async def test_register_then_me(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    response = await client.get("/api/v1/me", headers=alice.auth)
    assert response.status_code == 200
    assert response.json()["username"] == "alice"
