from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from application.use_cases.register_user import RegisterUserResult
from domain.users import User
from tests.unit.world import World


@pytest.fixture
async def world() -> AsyncIterator[World]:
    """A fresh world with the default settings (``World.start(settings=...)`` for others)."""
    world = await World.start()
    yield world
    await world.close()


@pytest.fixture
async def alice(world: World) -> RegisterUserResult:
    """A registered user, logged in once by her registration."""
    return await world.sign_up("alice")


@pytest.fixture
async def admin(world: World) -> User:
    """An administrator made with ``createsuperuser``."""
    return await world.new_admin("root")


@pytest.fixture
async def ann(world: World) -> User:
    """An account with no session, for the social use cases."""
    return await world.member("ann")


@pytest.fixture
async def ben(world: World) -> User:
    """A second such account."""
    return await world.member("ben")


@pytest.fixture
async def cat(world: World) -> User:
    """A third such account."""
    return await world.member("cat")
