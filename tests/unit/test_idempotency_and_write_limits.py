"""The rules of idempotency keys and of the write rate limit, on the in-memory adapters
with a clock that moves only when told."""

from __future__ import annotations

import pytest

from adapters.memory.attempt_log import InMemoryAttemptLog
from adapters.memory.idempotency_keys import InMemoryIdempotencyKeys
from application.idempotency import Claimed, IdempotentRequests, Replay
from application.ports.idempotency_keys import KeyedRequest, StoredResponse
from application.ports.settings_reader import SettingsReader
from application.write_limits import WriteLimits
from domain.errors import IdempotencyKeyInUse, IdempotencyKeyMismatch, TooManyWrites
from domain.settings import RuntimeSettings
from tests.support.doubles import ManualClock

CREATED = StoredResponse(201, (("location", "/api/v1/tweets/1"),), b'{"id": 1}')


def keyed(user_id: int = 1, key: str = "k", fingerprint: str = "body") -> KeyedRequest:
    return KeyedRequest(user_id, "POST /api/v1/tweets", key, fingerprint)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def keys() -> InMemoryIdempotencyKeys:
    return InMemoryIdempotencyKeys()


@pytest.fixture
def requests(keys: InMemoryIdempotencyKeys, clock: ManualClock) -> IdempotentRequests:
    return IdempotentRequests(keys, clock)


async def claim(requests: IdempotentRequests, request: KeyedRequest | None = None) -> Claimed:
    outcome = await requests.begin(request or keyed())
    assert isinstance(outcome, Claimed)
    return outcome


# --- Idempotency keys ---


async def test_a_finished_request_is_replayed_with_its_response(
    requests: IdempotentRequests,
) -> None:
    await requests.finish(await claim(requests), CREATED)

    assert await requests.begin(keyed()) == Replay(CREATED)


async def test_while_in_progress_the_key_is_in_use(requests: IdempotentRequests) -> None:
    await claim(requests)

    with pytest.raises(IdempotencyKeyInUse):
        await requests.begin(keyed())


async def test_another_body_is_a_mismatch_in_progress_or_finished(
    requests: IdempotentRequests,
) -> None:
    first = await claim(requests)
    with pytest.raises(IdempotencyKeyMismatch):
        await requests.begin(keyed(fingerprint="other"))

    await requests.finish(first, CREATED)
    with pytest.raises(IdempotencyKeyMismatch):
        await requests.begin(keyed(fingerprint="other"))


async def test_keys_are_per_user_and_per_endpoint(requests: IdempotentRequests) -> None:
    await requests.finish(await claim(requests), CREATED)

    await claim(requests, keyed(user_id=2))
    await claim(requests, KeyedRequest(1, "POST /api/v1/media", "k", "body"))


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_a_5xx_or_429_is_not_kept_and_a_retry_runs_afresh(
    requests: IdempotentRequests, status: int
) -> None:
    await requests.finish(await claim(requests), StoredResponse(status, (), b"{}"))

    await claim(requests)


@pytest.mark.parametrize("status", [201, 400, 403, 404, 409, 413, 422])
async def test_every_other_status_is_kept(requests: IdempotentRequests, status: int) -> None:
    response = StoredResponse(status, (), b"{}")
    await requests.finish(await claim(requests), response)

    assert await requests.begin(keyed()) == Replay(response)


async def test_a_request_that_ended_without_a_response_releases_its_key(
    requests: IdempotentRequests,
) -> None:
    await requests.finish(await claim(requests), None)

    await claim(requests)


async def test_a_claim_abandoned_for_60_seconds_may_be_taken_over(
    requests: IdempotentRequests, clock: ManualClock
) -> None:
    stale = await claim(requests)
    clock.advance(seconds=59)
    with pytest.raises(IdempotencyKeyInUse):
        await requests.begin(keyed())

    clock.advance(seconds=1)
    taker = await claim(requests)
    # The first request, finishing late, no longer owns the key: the taker's answer stands.
    await requests.finish(stale, StoredResponse(201, (), b"late"))
    await requests.finish(taker, CREATED)

    assert await requests.begin(keyed()) == Replay(CREATED)


async def test_after_24_hours_a_key_is_new_again(
    requests: IdempotentRequests, clock: ManualClock
) -> None:
    await requests.finish(await claim(requests), CREATED)
    clock.advance(hours=23, minutes=59)
    assert await requests.begin(keyed()) == Replay(CREATED)

    clock.advance(minutes=1)
    await claim(requests, keyed(fingerprint="a new body, even"))


async def test_expired_records_are_purged_at_most_once_a_minute(
    requests: IdempotentRequests, keys: InMemoryIdempotencyKeys, clock: ManualClock
) -> None:
    await requests.finish(await claim(requests, keyed(key="old")), CREATED)
    clock.advance(hours=24, seconds=30)
    await claim(requests, keyed(key="new"))  # purges: the first purge of this process
    assert await keys.find(keyed(key="old")) is None

    await requests.finish(await claim(requests, keyed(key="old")), CREATED)
    clock.advance(hours=24)
    await claim(requests, keyed(key="newer"))
    assert await keys.find(keyed(key="old")) is not None  # seen as expired, not yet deleted
    clock.advance(minutes=1)
    await claim(requests, keyed(key="newest"))
    assert await keys.find(keyed(key="old")) is None


# --- Write rate limit ---


class FixedSettings(SettingsReader):
    def __init__(self, writes_per_hour: int) -> None:
        self.value = RuntimeSettings(writes_per_user_per_hour=writes_per_hour)

    async def current(self) -> RuntimeSettings:
        return self.value


def write_limits(clock: ManualClock, per_hour: int) -> WriteLimits:
    return WriteLimits(InMemoryAttemptLog(), FixedSettings(per_hour), clock)


async def test_each_write_says_what_is_left_and_when_the_next_is_allowed(
    clock: ManualClock,
) -> None:
    limits = write_limits(clock, 3)

    first = await limits.count(1)
    clock.advance(minutes=10)
    second = await limits.count(1)
    clock.advance(minutes=10)
    third = await limits.count(1)

    assert first is not None
    assert second is not None
    assert third is not None
    assert (first.limit, first.window_seconds) == (3, 3600)
    assert [(w.remaining, w.reset_seconds) for w in (first, second, third)] == [
        (2, 0),
        (1, 0),
        (0, 40 * 60),  # the first write leaves the hour in 40 minutes
    ]


async def test_past_the_limit_writes_wait_for_the_oldest_to_leave_the_hour(
    clock: ManualClock,
) -> None:
    limits = write_limits(clock, 2)
    await limits.count(1)
    clock.advance(minutes=15)
    await limits.count(1)
    await limits.count(2)  # another user's writes are theirs

    with pytest.raises(TooManyWrites) as refused:
        await limits.count(1)
    assert refused.value.code == "too_many_requests"
    assert refused.value.retry_after == 45 * 60

    clock.advance(minutes=45)
    assert await limits.count(1) is not None


async def test_a_refused_write_is_not_counted(clock: ManualClock) -> None:
    limits = write_limits(clock, 1)
    await limits.count(1)
    clock.advance(minutes=59)
    for _ in range(5):
        with pytest.raises(TooManyWrites):
            await limits.count(1)

    clock.advance(minutes=1)
    assert await limits.count(1) is not None


async def test_a_write_taken_back_frees_its_place(clock: ManualClock) -> None:
    limits = write_limits(clock, 2)
    await limits.count(1)
    replay = await limits.count(1)
    assert replay is not None
    await limits.forget(replay)

    again = await limits.count(1)
    assert again is not None
    assert again.remaining == 0


async def test_a_limit_of_0_counts_nothing(clock: ManualClock) -> None:
    limits = write_limits(clock, 0)

    assert [await limits.count(1) for _ in range(5)] == [None] * 5
