"""Accounts made for a test: through the API, or written straight into the database."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.tables import sessions as sessions_table
from adapters.sql.tables import users as users_table
from tests.support.api import API, PASSWORD, Account, login, register
from tests.support.tokens import mint_access_token


async def make_admin(engine: AsyncEngine, username: str) -> None:
    """Promote a user directly in the database (the CLI's job in real life)."""
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE users SET is_admin = :yes WHERE username_canonical = :name"),
            {"yes": True, "name": username.lower()},
        )


async def register_admin(
    client: httpx.AsyncClient, engine: AsyncEngine, username: str = "root"
) -> Account:
    """An administrator holding a fresh token pair (one that says it is an admin)."""
    account = await register(client, username)
    await make_admin(engine, username)
    response = await login(client, username=username)
    assert response.status_code == 200, response.text
    account.tokens = response.json()
    return account


_PASSWORD_HASH: list[str] = []


def password_hash() -> str:
    """An argon2id hash of PASSWORD, computed once (so inserted users can log in)."""
    if not _PASSWORD_HASH:
        from argon2 import PasswordHasher, Type  # noqa: PLC0415

        hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
        _PASSWORD_HASH.append(hasher.hash(PASSWORD))
    return _PASSWORD_HASH[0]


async def insert_users(engine: AsyncEngine, *usernames: str, admin: bool = False) -> list[Account]:
    """Accounts written straight into the database, each with a live session and an access
    token: no argon2 per user and no registration throttle, for tests that need many users.
    Their password is PASSWORD. ``user`` holds only ``id`` and ``username``."""
    now = datetime.now(UTC)
    rows = [
        {
            "username": name,
            "username_canonical": name.lower(),
            "email": f"{name}@example.com",
            "email_canonical": f"{name.lower()}@example.com",
            "password_hash": password_hash(),
            "is_admin": admin,
            "created_at": now,
        }
        for name in usernames
    ]
    async with engine.begin() as connection:
        await connection.execute(users_table.insert(), rows)
        found = await connection.execute(
            select(users_table.c.username, users_table.c.id).where(
                users_table.c.username.in_(usernames)
            )
        )
        ids = {row.username: row.id for row in found}
        await connection.execute(
            sessions_table.insert(),
            [{"user_id": ids[name], "created_at": now} for name in usernames],
        )
        found = await connection.execute(
            select(sessions_table.c.user_id, sessions_table.c.id).where(
                sessions_table.c.user_id.in_(ids.values())
            )
        )
        session_ids = {row.user_id: row.id for row in found}
    return [
        Account(
            name,
            f"{name}@example.com",
            PASSWORD,
            {"id": ids[name], "username": name},
            {"access_token": mint_access_token(ids[name], session_ids[ids[name]], is_admin=admin)},
        )
        for name in usernames
    ]


async def post_to_a_follower(http: httpx.AsyncClient, ann: Account, ben: Account) -> int:
    """Ben follows ann (her username is ``ann``), then ann posts: the new tweet's id."""
    assert (await http.post(f"{API}/users/ann/follow", headers=ben.auth)).status_code == 204
    posted = await http.post(f"{API}/tweets", json={"text": "hi"}, headers=ann.auth)
    assert posted.status_code == 201
    tweet_id: int = posted.json()["id"]
    return tweet_id
