"""The in-memory container stands in for the app's database providers: the two offer the same
ports, and every use case the app serves comes out of both, so they cannot drift apart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from dishka import AsyncContainer, Provider, make_async_container

from adapters.memory.provider import InMemoryProvider
from entrypoints.config import AppConfig
from entrypoints.di import (
    DatabaseProvider,
    RepositoryProvider,
    UseCaseProvider,
    in_memory_providers,
    make_container,
)

SECRET = b"unit-tests-only-secret-0123456789abcdef"


def ports(*providers: Provider) -> set[Any]:
    """The ports (``application.ports`` protocols) that ``providers`` offer."""
    keys = [factory.provides for provider in providers for factory in provider.factories]
    keys += [alias.provides for provider in providers for alias in provider.aliases]
    return {
        key.type_hint
        for key in keys
        if getattr(key.type_hint, "__module__", "").startswith("application.ports.")
    }


def use_cases() -> list[type[Any]]:
    """Every use case the app's container offers."""
    return [
        factory.provides.type_hint
        for factory in UseCaseProvider().factories
        if factory.provides.type_hint.__module__.startswith("application.use_cases.")
    ]


def test_the_in_memory_adapters_offer_every_port_the_database_adapters_do() -> None:
    database = ports(DatabaseProvider(), RepositoryProvider())

    assert len(database) >= 10
    assert ports(InMemoryProvider()) == database


@pytest.fixture(params=["app", "in memory"])
async def container(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[AsyncContainer]:
    """The app's container on a SQLite file never opened, or the in-memory one."""
    config = AppConfig(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'never-opened.db'}",
        jwt_secret=SECRET,
        media_dir=tmp_path / "media",
    )
    if request.param == "app":
        made = make_container(config)
    else:
        made = make_async_container(*in_memory_providers(), context={AppConfig: config})
    yield made
    await made.close()


async def test_every_use_case_comes_out_of_both_containers(container: AsyncContainer) -> None:
    kinds = use_cases()
    assert len(kinds) >= 30

    async with container() as request:
        made = [await request.get(kind) for kind in kinds]

    assert [type(use_case) for use_case in made] == kinds
