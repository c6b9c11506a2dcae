from __future__ import annotations

import pytest

from application.use_cases.register_user import RegisterUserResult
from domain.users import User
from tests.unit.world import World


@pytest.fixture
def world() -> World:
    """A fresh world with the default settings (build ``World(settings=...)`` for others)."""
    return World()


@pytest.fixture
async def alice(world: World) -> RegisterUserResult:
    """A registered user, logged in once by her registration."""
    return await world.sign_up("alice")


@pytest.fixture
async def admin(world: World) -> User:
    """An administrator made with ``createsuperuser``."""
    return await world.new_admin("root")
