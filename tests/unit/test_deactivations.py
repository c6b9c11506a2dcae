"""Deactivated accounts: their writes are refused in the use case, their access tokens are void
in the in-process copy of recent deactivations (``DeactivationCache``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import pytest

from adapters.deactivation_cache import KEPT_FOR, DeactivationCache
from adapters.memory.deactivations import InMemoryDeactivations
from application.ports.access_tokens import AccessClaims
from application.use_cases.change_user_status import ChangeUserStatusCommand
from application.use_cases.log_out_everywhere import LogOutEverywhereCommand
from domain.errors import InvalidAccessToken
from domain.users import Deactivation, User
from tests.unit.world import World

Write = Callable[[World, User, int], Awaitable[object]]

WRITES: dict[str, Write] = {
    "post": lambda w, u, tweet: w.post(u, "hi"),
    "edit": lambda w, u, tweet: w.edit(u, tweet, "edited"),
    "delete": lambda w, u, tweet: w.delete(u, tweet),
    "like": lambda w, u, tweet: w.like(u, tweet),
    "unlike": lambda w, u, tweet: w.unlike(u, tweet),
    "follow": lambda w, u, tweet: w.follow(u, "ben"),
    "unfollow": lambda w, u, tweet: w.unfollow(u, "ben"),
    "log out everywhere": lambda w, u, tweet: w.log_out_everywhere(LogOutEverywhereCommand(u.id)),
}


def claims_of(user: User, issued_at: datetime) -> AccessClaims:
    return AccessClaims(user.id, 1, False, issued_at, issued_at + timedelta(seconds=30))


async def deactivate(world: World, admin: User, username: str, active: bool = False) -> None:
    await world.change_user_status(ChangeUserStatusCommand(admin.id, username, is_active=active))


@pytest.mark.parametrize("write", list(WRITES))
async def test_a_deactivated_account_writes_nothing(
    world: World, ann: User, ben: User, write: str
) -> None:
    tweet = (await world.post(ann, "mine")).id
    world.deactivate(ann.id)  # as another instance would have committed it
    before = (world.store.commits, dict(world.store.tweets), dict(world.store.likes))

    with pytest.raises(InvalidAccessToken):
        await WRITES[write](world, ann, tweet)

    assert (world.store.commits, world.store.tweets, world.store.likes) == before


async def test_a_deactivation_voids_the_accounts_tokens_here_at_once(
    world: World, admin: User, ann: User, ben: User
) -> None:
    issued = world.clock.now()
    assert not await world.revoked_tokens.voids(claims_of(ann, issued))  # loaded, fresh

    await deactivate(world, admin, "ann")

    assert await world.revoked_tokens.voids(claims_of(ann, issued))
    assert not await world.revoked_tokens.voids(claims_of(ben, issued))


async def test_a_deactivation_made_elsewhere_applies_when_the_copy_is_reloaded(
    world: World, ann: User
) -> None:
    issued = world.clock.now()
    assert not await world.revoked_tokens.voids(claims_of(ann, issued))
    world.store.users[ann.id].deactivate(world.clock.now())  # committed by another instance

    assert not await world.revoked_tokens.voids(claims_of(ann, issued))
    world.clock.advance(DeactivationCache.max_age)
    assert await world.revoked_tokens.voids(claims_of(ann, issued))


async def test_after_a_reactivation_only_tokens_issued_before_the_deactivation_are_void(
    world: World, admin: User, ann: User
) -> None:
    before = world.clock.now().replace(microsecond=0)
    world.clock.advance(seconds=1)
    await deactivate(world, admin, "ann")
    await deactivate(world, admin, "ann", active=True)
    after = world.clock.now().replace(microsecond=0)

    for cache in (world.revoked_tokens, (await world.another_instance()).revoked_tokens):
        assert await cache.voids(claims_of(ann, before))
        assert not await cache.voids(claims_of(ann, after))


async def test_a_deactivation_older_than_any_token_is_forgotten(world: World, ann: User) -> None:
    world.store.users[ann.id].deactivate(world.clock.now() - KEPT_FOR - timedelta(seconds=1))

    assert not await world.revoked_tokens.voids(claims_of(ann, world.clock.now()))


class SlowDeactivations(InMemoryDeactivations):
    """Reads what is stored, then waits to be let go before it answers."""

    def __init__(self, world: World) -> None:
        super().__init__(world.store)
        self.reading = asyncio.Event()
        self.let_go = asyncio.Event()

    async def since(self, moment: datetime) -> list[Deactivation]:
        found = await super().since(moment)
        self.reading.set()
        await self.let_go.wait()
        return found


async def test_a_reload_that_read_storage_before_a_deactivation_does_not_undo_it(
    world: World, ann: User
) -> None:
    storage = SlowDeactivations(world)
    cache = DeactivationCache(storage, world.clock)
    claims = claims_of(ann, world.clock.now())
    check = asyncio.create_task(cache.voids(claims))
    await storage.reading.wait()

    world.store.users[ann.id].deactivate(world.clock.now())
    deactivation = Deactivation.of(world.store.users[ann.id])
    assert deactivation is not None
    await cache.publish(deactivation)
    storage.let_go.set()

    assert await check
    assert await cache.voids(claims)  # still fresh: no reload before max_age
