"""Which reads may come from a replica: the read-your-writes rule, on the in-memory adapter
with a manual clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from adapters.memory.recent_writes import InMemoryRecentWrites
from application.errors import DependencyUnavailable
from application.ports.recent_writes import RecentWrites
from application.read_routing import (
    READ_YOUR_WRITES,
    ReadYourWrites,
    allowing_stale_reads,
    stale_reads_allowed,
)
from tests.support.doubles import ManualClock


def policy(clock: ManualClock) -> ReadYourWrites:
    return ReadYourWrites(InMemoryRecentWrites(clock))


async def test_a_writer_reads_the_primary_until_the_window_after_their_write_ends() -> None:
    clock = ManualClock()
    rule = policy(clock)
    assert await rule.may_read_stale(1)
    await rule.wrote(1)
    assert not await rule.may_read_stale(1)
    assert await rule.may_read_stale(2), "only the writer is held to the primary"
    clock.advance(READ_YOUR_WRITES - timedelta(microseconds=1))
    assert not await rule.may_read_stale(1)
    clock.advance(timedelta(microseconds=1))
    assert await rule.may_read_stale(1)


async def test_a_new_write_restarts_the_window() -> None:
    clock = ManualClock()
    rule = policy(clock)
    await rule.wrote(1)
    clock.advance(READ_YOUR_WRITES / 2)
    await rule.wrote(1)
    clock.advance(READ_YOUR_WRITES * 3 / 4)
    assert not await rule.may_read_stale(1)


async def test_anonymous_callers_may_always_read_stale() -> None:
    assert await policy(ManualClock()).may_read_stale(None)


class UnreachableRecentWrites(RecentWrites):
    async def note(self, user_id: int, lasting: timedelta) -> None:
        raise DependencyUnavailable("redis", "ConnectionError")

    async def noted(self, user_id: int) -> bool:
        raise DependencyUnavailable("redis", "ConnectionError")


async def test_when_recent_writes_cannot_be_known_reads_go_to_the_primary_and_writes_stand() -> (
    None
):
    rule = ReadYourWrites(UnreachableRecentWrites())
    await rule.wrote(1)  # no error: the write was acknowledged already
    assert not await rule.may_read_stale(1)
    assert await rule.may_read_stale(None)


async def test_stale_reads_are_allowed_only_inside_the_block_and_its_tasks() -> None:
    assert not stale_reads_allowed()
    with allowing_stale_reads():
        assert stale_reads_allowed()
        assert await asyncio.create_task(asyncio.sleep(0, stale_reads_allowed()))
    assert not stale_reads_allowed()
    assert not await asyncio.create_task(asyncio.sleep(0, stale_reads_allowed()))
