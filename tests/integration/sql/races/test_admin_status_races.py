"""Two administrators removing each other at once: one always remains (issue 11, item 8)."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.tables import users
from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem

ROUNDS = {"postgresql": 60, "sqlite": 20}
# What each of the two asks of the other: demoting and deactivating both remove an admin.
REMOVALS = [
    ({"is_admin": False}, {"is_admin": False}),
    ({"is_active": False}, {"is_active": False}),
    ({"is_admin": False}, {"is_active": False}),
]
# The loser finds itself no longer an admin (403), or its account deactivated (401).
LOSER_CODES = {403: "admin_required", 401: "invalid_token"}


async def active_admins(engine: AsyncEngine, *accounts: Account) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(users.c.username).where(
                users.c.username.in_([account.username for account in accounts]),
                users.c.is_admin.is_(True),
                users.c.is_active.is_(True),
            )
        )
        return [row.username for row in rows]


async def test_two_admins_removing_each_other_at_once_leave_one_of_them(
    client: httpx.AsyncClient, engine: AsyncEngine, backend: str
) -> None:
    for round_ in range(ROUNDS[backend]):
        first, second = await insert_users(engine, f"first{round_}", f"second{round_}", admin=True)
        to_second, to_first = REMOVALS[round_ % len(REMOVALS)]

        responses = await asyncio.gather(
            client.patch(f"{API}/users/{second.username}", json=to_second, headers=first.auth),
            client.patch(f"{API}/users/{first.username}", json=to_first, headers=second.auth),
        )

        losers = [response for response in responses if response.status_code != 200]
        assert len(losers) == 1, [response.text for response in responses]
        assert_problem(losers[0], losers[0].status_code, LOSER_CODES.get(losers[0].status_code))
        assert len(await active_admins(engine, first, second)) == 1
