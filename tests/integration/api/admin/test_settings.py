"""GET and PATCH /admin/settings: runtime settings, applied everywhere within 5 seconds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.settings_cache import SettingsCache
from application.ports.clock import Clock
from tests.support.accounts import register_admin
from tests.support.api import (
    API,
    assert_problem,
    assert_unauthorized,
    error_fields,
    login,
    refresh,
    register,
)
from tests.support.app import make_app, serve
from tests.support.doubles import ManualClock
from tests.support.tokens import token_claims
from tests.support.wiring import override

SETTINGS = f"{API}/admin/settings"
DEFAULTS = {
    "access_token_ttl_seconds": 30,
    "refresh_token_ttl_seconds": 2_592_000,
    "refresh_reuse_grace_seconds": 10,
    "login_failures_per_account": 10,
    "login_failures_per_address": 100,
    "registrations_per_address_per_hour": 20,
    "max_image_bytes": 5_242_880,
}
# "Every running instance applies a change within 5 seconds."
CONTRACT_BOUND = timedelta(seconds=5)


def with_defaults(body: dict[str, Any]) -> dict[str, Any]:
    """The contract's keys of a settings response (the implementation may add more)."""
    return {key: body[key] for key in DEFAULTS}


async def test_an_admin_reads_the_defaults(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    admin = await register_admin(client, engine)

    response = await client.get(SETTINGS, headers=admin.auth)

    assert response.status_code == 200, response.text
    assert with_defaults(response.json()) == DEFAULTS


@pytest.mark.parametrize("method", ["GET", "PATCH"])
async def test_a_normal_user_is_refused(client: httpx.AsyncClient, method: str) -> None:
    alice = await register(client)

    response = await client.request(
        method,
        SETTINGS,
        json={"access_token_ttl_seconds": 60} if method == "PATCH" else None,
        headers=alice.auth,
    )

    assert_problem(response, 403, "admin_required")


async def test_patch_changes_a_subset_and_persists(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    admin = await register_admin(client, engine)
    changes = {"access_token_ttl_seconds": 300, "refresh_reuse_grace_seconds": 0}

    response = await client.patch(SETTINGS, json=changes, headers=admin.auth)

    assert response.status_code == 200, response.text
    assert with_defaults(response.json()) == DEFAULTS | changes
    again = await client.get(SETTINGS, headers=admin.auth)
    assert with_defaults(again.json()) == DEFAULTS | changes


BOUNDARIES = [
    {"access_token_ttl_seconds": 5},
    {"access_token_ttl_seconds": 86_400},
    {"refresh_token_ttl_seconds": 60},
    {"refresh_token_ttl_seconds": 31_536_000},
    {"refresh_reuse_grace_seconds": 0},
    {"refresh_reuse_grace_seconds": 60},
]


async def test_boundary_values_are_accepted(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    admin = await register_admin(client, engine)
    expected = dict(DEFAULTS)

    for changes in BOUNDARIES:
        response = await client.patch(SETTINGS, json=changes, headers=admin.auth)

        assert response.status_code == 200, (changes, response.text)
        expected |= changes
        assert with_defaults(response.json()) == expected, changes


@pytest.mark.parametrize(
    ("changes", "bad_fields"),
    [
        ({"access_token_ttl_seconds": 4}, {"access_token_ttl_seconds"}),
        ({"access_token_ttl_seconds": 86_401}, {"access_token_ttl_seconds"}),
        ({"refresh_token_ttl_seconds": 59}, {"refresh_token_ttl_seconds"}),
        ({"refresh_token_ttl_seconds": 31_536_001}, {"refresh_token_ttl_seconds"}),
        ({"refresh_reuse_grace_seconds": -1}, {"refresh_reuse_grace_seconds"}),
        ({"refresh_reuse_grace_seconds": 61}, {"refresh_reuse_grace_seconds"}),
        ({"access_token_ttl_seconds": True}, {"access_token_ttl_seconds"}),
        ({"access_token_ttl_seconds": None}, {"access_token_ttl_seconds"}),
        ({"access_token_ttl_seconds": 60.5}, {"access_token_ttl_seconds"}),
        ({"no_such_setting": 1}, {"no_such_setting"}),
        (
            {"access_token_ttl_seconds": 60, "refresh_reuse_grace_seconds": 61},
            {"refresh_reuse_grace_seconds"},
        ),
    ],
    ids=[
        "access=4",
        "access=86401",
        "refresh=59",
        "refresh=31536001",
        "grace=-1",
        "grace=61",
        "access=true",
        "access=null",
        "access=60.5",
        "unknown-key",
        "one-good-one-bad",
    ],
)
async def test_invalid_changes_are_refused_and_change_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine, changes: dict[str, Any], bad_fields: set[str]
) -> None:
    admin = await register_admin(client, engine)

    response = await client.patch(SETTINGS, json=changes, headers=admin.auth)

    body = assert_problem(response, 400, "validation_error")
    assert error_fields(body) == bad_fields
    assert with_defaults((await client.get(SETTINGS, headers=admin.auth)).json()) == DEFAULTS


async def test_a_demotion_takes_effect_at_once(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    admin = await register_admin(client, engine)
    assert token_claims(admin.tokens["access_token"])["adm"] is True
    assert (await client.get(SETTINGS, headers=admin.auth)).status_code == 200

    async with engine.begin() as connection:
        await connection.execute(text("UPDATE users SET is_admin = :no"), {"no": False})

    assert_problem(await client.get(SETTINGS, headers=admin.auth), 403, "admin_required")
    response = await client.patch(
        SETTINGS, json={"access_token_ttl_seconds": 60}, headers=admin.auth
    )
    assert_problem(response, 403, "admin_required")
    assert (await login(client, username=admin.username)).json()["expires_in"] == 30


async def test_new_lifetimes_apply_to_the_next_tokens(
    clocked_client: httpx.AsyncClient, clock: ManualClock, engine: AsyncEngine
) -> None:
    client = clocked_client
    admin = await register_admin(client, engine)
    alice = await register(client)
    changes = {"access_token_ttl_seconds": 600, "refresh_token_ttl_seconds": 3600}
    assert (await client.patch(SETTINGS, json=changes, headers=admin.auth)).status_code == 200

    clock.advance(CONTRACT_BOUND)
    pair = (await login(client, username="alice")).json()
    rotated = (await refresh(client, alice.tokens["refresh_token"])).json()

    for tokens in [pair, rotated]:
        assert tokens["expires_in"] == 600
        assert tokens["refresh_expires_in"] == 3600
        claims = token_claims(tokens["access_token"])
        assert claims["exp"] - claims["iat"] == 600
    # The new refresh lifetime is real: an hour later the token has expired.
    clock.advance(timedelta(seconds=3601))
    response = await refresh(client, pair["refresh_token"])
    assert_unauthorized(response, "refresh_token_expired")


def test_the_settings_cache_is_within_the_contract_bound() -> None:
    assert timedelta(0) < SettingsCache.max_age <= CONTRACT_BOUND


async def test_another_instance_applies_a_change_within_the_bound(
    client: httpx.AsyncClient, engine: AsyncEngine, clock: ManualClock
) -> None:
    admin = await register_admin(client, engine)
    async with serve(make_app(engine, override(Clock, clock))) as other:
        # The other instance has read (and cached) the settings before the change.
        alice = await register(other)
        assert alice.tokens["expires_in"] == 30

        response = await client.patch(
            SETTINGS, json={"access_token_ttl_seconds": 120}, headers=admin.auth
        )
        assert response.status_code == 200, response.text

        clock.advance(CONTRACT_BOUND)
        assert (await login(other, username="alice")).json()["expires_in"] == 120
