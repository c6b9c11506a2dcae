from __future__ import annotations

import pytest

from application.use_cases.create_superuser import CreateSuperuserCommand
from domain.errors import EmailTaken, UsernameTaken, ValidationError
from tests.unit.world import PASSWORD, World


def command(**overrides: str) -> CreateSuperuserCommand:
    fields = {"username": "root", "email": "root@example.com", "password": PASSWORD} | overrides
    return CreateSuperuserCommand(**fields)


async def test_creates_an_active_admin_without_a_session(world: World) -> None:
    user = await world.create_superuser(command(username="Root"))

    stored = world.stored_user(user.id)
    assert (stored.username, stored.email) == ("Root", "root@example.com")
    assert stored.is_admin
    assert stored.is_active
    assert stored.created_at == world.clock.now()
    assert stored.password_hash == await world.hasher.hash(PASSWORD)
    assert world.store.sessions == {}
    assert world.store.commits == 1


async def test_the_new_admin_can_log_in_as_an_admin(world: World) -> None:
    await world.create_superuser(command())

    tokens = await world.log_in_as("ROOT")

    assert world.claims(tokens.access_token).is_admin is True


@pytest.mark.parametrize(
    ("fields", "overrides"),
    [
        ({"username"}, {"username": "r"}),
        ({"username"}, {"username": "root-admin"}),
        ({"email"}, {"email": "root"}),
        ({"password"}, {"password": "short"}),
        ({"password"}, {"password": "p" * 129}),
        ({"password"}, {"username": "administrator", "password": "Administrator"}),
        ({"password"}, {"password": "ROOT@example.com"}),
        ({"password"}, {"password": "Password"}),
        ({"username", "email", "password"}, {"username": "!", "email": "@", "password": ""}),
    ],
)
async def test_the_registration_rules_apply(
    world: World, fields: set[str], overrides: dict[str, str]
) -> None:
    with pytest.raises(ValidationError) as raised:
        await world.create_superuser(command(**overrides))

    assert {e.field for e in raised.value.errors} == fields
    assert world.footprint() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"username": "ALICE"}, UsernameTaken),
        ({"email": "Alice@Example.com"}, EmailTaken),
    ],
)
async def test_duplicates_are_refused(
    world: World, overrides: dict[str, str], error: type[Exception]
) -> None:
    await world.sign_up("alice")
    before = world.footprint()

    with pytest.raises(error):
        await world.create_superuser(command(**overrides))

    assert world.footprint() == before
