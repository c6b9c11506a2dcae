"""Races, with real concurrent connections (each request has its own), on both databases."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from tests.integration.conftest import PASSWORD, register

RACERS = 20
ROUNDS = 20


async def test_one_refresh_token_many_racers_exactly_one_wins(client: httpx.AsyncClient) -> None:
    refresh_token = (await register(client)).tokens["refresh_token"]
    for _ in range(ROUNDS):
        responses = await asyncio.gather(
            *(
                client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})
                for _ in range(RACERS)
            )
        )
        statuses = Counter(response.status_code for response in responses)
        assert statuses == {200: 1, 401: RACERS - 1}
        losers = {r.json()["code"] for r in responses if r.status_code == 401}
        assert losers == {"refresh_token_rotated"}
        (winner,) = (r for r in responses if r.status_code == 200)
        refresh_token = winner.json()["refresh_token"]

    # The survivor of 20 rounds is still a working token of a live session.
    response = await client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})
    assert response.status_code == 200


async def test_concurrent_registrations_of_one_username_one_wins(
    client: httpx.AsyncClient,
) -> None:
    responses = await asyncio.gather(
        *(
            client.post(
                "/api/v1/auth/register",
                json={"username": "racer", "email": f"racer{i}@example.com", "password": PASSWORD},
            )
            for i in range(RACERS)
        )
    )
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 1, 409: RACERS - 1}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"username_taken"}
    (winner,) = (r for r in responses if r.status_code == 201)
    login = await client.post(
        "/api/v1/auth/login", json={"username": "RACER", "password": PASSWORD}
    )
    assert login.status_code == 200
    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    assert me.json()["email"] == winner.json()["user"]["email"]
