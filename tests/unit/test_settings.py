from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.settings_cache import SettingsCache
from application.use_cases.get_settings import GetSettingsQuery
from application.use_cases.register_user import RegisterUserResult
from application.use_cases.update_settings import UpdateSettingsCommand
from domain.errors import AdminRequired, InvalidAccessToken, ValidationError
from domain.settings import RuntimeSettings
from domain.users import User
from tests.unit.world import World

CONTRACT_DEFAULTS = {
    "access_token_ttl_seconds": 30,
    "refresh_token_ttl_seconds": 2592000,
    "refresh_reuse_grace_seconds": 10,
    "login_failures_per_account": 10,
    "login_failures_per_address": 100,
    "registrations_per_address_per_hour": 20,
    "max_image_bytes": 5242880,
    "uploads_per_user_per_hour": 60,
    "writes_per_user_per_hour": 1000,
    "fanout_max_followers": 10000,
    "tweet_edit_window_seconds": 3600,
    "tweet_max_edits": 5,
    "unattached_media_ttl_seconds": 86400,
}

# Inclusive bounds from API.md "Runtime settings".
BOUNDS = {
    "access_token_ttl_seconds": (5, 86400),
    "refresh_token_ttl_seconds": (60, 31536000),
    "refresh_reuse_grace_seconds": (0, 60),
    "tweet_edit_window_seconds": (0, 604800),
    "tweet_max_edits": (0, 100),
}


async def read(world: World, actor: User) -> dict[str, int]:
    return (await world.get_settings(GetSettingsQuery(actor_id=actor.id))).as_dict()


async def change(world: World, actor: User, **changes: object) -> RuntimeSettings:
    return await world.update_settings(UpdateSettingsCommand(actor_id=actor.id, changes=changes))


async def test_the_defaults_are_the_contracts(world: World, admin: User) -> None:
    assert await read(world, admin) == CONTRACT_DEFAULTS


async def test_an_update_of_some_keys_persists(world: World, admin: User) -> None:
    commits = world.store.commits

    result = await change(world, admin, access_token_ttl_seconds=60, refresh_reuse_grace_seconds=0)

    expected = CONTRACT_DEFAULTS | {
        "access_token_ttl_seconds": 60,
        "refresh_reuse_grace_seconds": 0,
    }
    assert result.as_dict() == expected
    assert await read(world, admin) == expected
    assert world.store.commits == commits + 1


async def test_later_updates_keep_earlier_ones(world: World, admin: User) -> None:
    await change(world, admin, access_token_ttl_seconds=60)
    await change(world, admin, refresh_token_ttl_seconds=3600)

    settings = await read(world, admin)
    assert settings["access_token_ttl_seconds"] == 60
    assert settings["refresh_token_ttl_seconds"] == 3600


async def test_an_empty_update_changes_nothing(world: World, admin: User) -> None:
    assert (await change(world, admin)).as_dict() == CONTRACT_DEFAULTS


@pytest.mark.parametrize(
    ("key", "value"),
    [(key, value) for key, (low, high) in BOUNDS.items() for value in (low, high)],
)
async def test_values_at_the_bounds_are_accepted(
    world: World, admin: User, key: str, value: int
) -> None:
    await change(world, admin, **{key: value})

    assert (await read(world, admin))[key] == value


@pytest.mark.parametrize(
    ("key", "value"),
    [(key, value) for key, (low, high) in BOUNDS.items() for value in (low - 1, high + 1)],
)
async def test_values_out_of_range_are_refused(
    world: World, admin: User, key: str, value: int
) -> None:
    with pytest.raises(ValidationError) as raised:
        await change(world, admin, **{key: value})

    assert raised.value.code == "validation_error"
    assert [e.field for e in raised.value.errors] == [key]
    assert await read(world, admin) == CONTRACT_DEFAULTS


@pytest.mark.parametrize("value", [True, False, "30", 30.0, None, [30]])
async def test_a_non_integer_value_is_refused(world: World, admin: User, value: object) -> None:
    with pytest.raises(ValidationError) as raised:
        await change(world, admin, refresh_reuse_grace_seconds=value)

    assert [e.field for e in raised.value.errors] == ["refresh_reuse_grace_seconds"]
    assert await read(world, admin) == CONTRACT_DEFAULTS


async def test_every_bad_key_is_reported_and_nothing_is_saved(world: World, admin: User) -> None:
    commits = world.store.commits

    with pytest.raises(ValidationError) as raised:
        await change(
            world,
            admin,
            access_token_ttl_seconds=4,
            refresh_token_ttl_seconds=120,
            refresh_reuse_grace_seconds=61,
            is_admin=1,
            jwt_secret=42,
        )

    assert {e.field for e in raised.value.errors} == {
        "access_token_ttl_seconds",
        "refresh_reuse_grace_seconds",
        "is_admin",
        "jwt_secret",
    }
    assert await read(world, admin) == CONTRACT_DEFAULTS
    assert world.store.settings == {}
    assert world.store.commits == commits


async def test_a_non_admin_can_neither_read_nor_change_settings(
    world: World, alice: RegisterUserResult
) -> None:
    with pytest.raises(AdminRequired) as raised:
        await world.get_settings(GetSettingsQuery(actor_id=alice.user.id))
    assert raised.value.code == "admin_required"

    with pytest.raises(AdminRequired):
        await change(world, alice.user, access_token_ttl_seconds=60)
    assert world.store.settings == {}


async def test_a_demoted_admin_is_refused_at_once(world: World, admin: User) -> None:
    world.store.users[admin.id].is_admin = False

    with pytest.raises(AdminRequired):
        await read(world, admin)


async def test_a_deactivated_admin_is_not_authenticated(world: World, admin: User) -> None:
    world.deactivate(admin.id)

    with pytest.raises(InvalidAccessToken):
        await read(world, admin)
    with pytest.raises(InvalidAccessToken):
        await change(world, admin, access_token_ttl_seconds=60)
    assert world.store.settings == {}


async def test_get_settings_reads_storage_not_the_cache(world: World, admin: User) -> None:
    await world.current_settings()  # warm the cache

    await change(world, admin, access_token_ttl_seconds=60)

    assert (await read(world, admin))["access_token_ttl_seconds"] == 60


# --- the per-process cache ----------------------------------------------------------------


def test_changes_reach_every_instance_within_the_contracts_five_seconds() -> None:
    assert timedelta(0) < SettingsCache.max_age <= timedelta(seconds=5)


@pytest.mark.parametrize(
    ("age", "reloaded"),
    [
        (timedelta(0), False),
        (SettingsCache.max_age - timedelta(microseconds=1), False),
        (SettingsCache.max_age, True),
        (timedelta(hours=1), True),
        (timedelta(seconds=-1), True),
    ],
    ids=["same-instant", "just-fresh", "at-max-age", "long-after", "clock-went-back"],
)
async def test_the_reader_reloads_once_its_copy_is_too_old(
    world: World, admin: User, age: timedelta, reloaded: bool
) -> None:
    assert (await world.current_settings()).access_token_ttl_seconds == 30
    # Another instance, with a cache of its own, makes the change.
    other = await world.another_instance()
    await other.update_settings(
        UpdateSettingsCommand(actor_id=admin.id, changes={"access_token_ttl_seconds": 60})
    )

    world.clock.advance(age)

    expected = 60 if reloaded else 30
    assert (await world.current_settings()).access_token_ttl_seconds == expected


async def test_the_instance_that_made_a_change_applies_it_at_once(
    world: World, admin: User
) -> None:
    assert (await world.current_settings()).access_token_ttl_seconds == 30

    await change(world, admin, access_token_ttl_seconds=60)

    assert (await world.current_settings()).access_token_ttl_seconds == 60
