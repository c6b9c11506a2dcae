"""The write scenarios' figures: percentiles, feed freshness, queue drain, their ratios."""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator

import pytest
from bench import report
from bench.derived_work import Drain, pending_jobs, queue_tables, wait_until_drained
from bench.fan_out import FanOutRun
from bench.freshness import FreshnessLog
from bench.loadgen import Measurement, percentile
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        (list(range(1, 101)), 0.99, 99),  # 0.99 * 100 is just above 99 in floating point
        (list(range(1, 101)), 0.5, 50),
        (list(range(1, 11)), 0.99, 10),  # few values: the p99 is the largest
        ([3.0], 0.99, 3.0),
        ([5, 1, 4, 2, 3], 0.5, 3),  # unsorted input
        (list(range(1, 201)), 0.99, 198),
    ],
)
def test_percentile_is_the_nearest_rank(
    values: list[float], fraction: float, expected: float
) -> None:
    assert percentile(values, fraction) == expected


def test_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="percentile"):
        percentile([], 0.99)


def test_freshness_is_the_delay_from_the_201_to_the_first_feed_read_showing_the_post() -> None:
    log = FreshnessLog()
    log.acknowledged(101, at=10.0)
    log.feed_read({90, 91}, at=10.2)  # older tweets only
    log.feed_read({101, 90}, at=10.5)
    log.feed_read({101}, at=11.0)  # seen again: the first sighting counts
    log.acknowledged(102, at=12.0)
    log.feed_read({102, 101}, at=12.1)

    summary = log.summary(poll_seconds=0.02)

    assert log.seen(101)
    assert log.seen(102)
    assert summary.posts == 2
    assert summary.p50_ms == pytest.approx(100.0)
    assert summary.p99_ms == pytest.approx(500.0)
    assert summary.max_ms == pytest.approx(500.0)
    assert summary.unseen == 0
    assert summary.poll_ms == pytest.approx(20.0)


def test_a_post_never_seen_makes_the_p99_infinite_and_fails_the_goal() -> None:
    log = FreshnessLog()
    log.acknowledged(1, at=0.0)
    log.feed_read({1}, at=0.05)
    log.acknowledged(2, at=1.0)
    log.feed_read({1}, at=5.0)

    summary = log.summary(poll_seconds=0.02)

    assert summary.unseen == 1
    assert summary.p50_ms == pytest.approx(50.0)
    assert summary.p99_ms is not None
    assert math.isinf(summary.p99_ms)
    assert summary.as_json()["p99_ms"] is None
    (ratio,) = [r for r in report.write_ratios({}, {}, summary, {}) if r.name == "feed_freshness"]
    assert ratio.passed is False
    assert "1 never seen" in ratio.note
    assert ratio.as_json()["value"] is None


def test_a_sighting_before_the_201_is_not_counted_until_the_post_is_acknowledged() -> None:
    log = FreshnessLog()
    log.feed_read({7}, at=1.0)  # e.g. another writer's tweet with that id: not ours yet
    log.acknowledged(7, at=2.0)
    assert not log.seen(7)
    log.feed_read({7}, at=2.25)
    assert log.summary(0.02).max_ms == pytest.approx(250.0)


def test_a_post_acknowledged_twice_is_an_error() -> None:
    log = FreshnessLog()
    log.acknowledged(1, at=0.0)
    with pytest.raises(ValueError, match="twice"):
        log.acknowledged(1, at=1.0)


class _FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def clock(self) -> float:
        return self.now

    async def pause(self, seconds: float) -> None:
        self.now += seconds


async def test_drain_time_is_until_nothing_is_pending() -> None:
    fake = _FakeTime()
    counts = iter([7, 5, 2, 0])

    async def pending() -> int:
        return next(counts)

    drain = await wait_until_drained(pending, ("pgqueuer",), 60, fake.clock, fake.pause)

    assert drain == Drain(pytest.approx(0.15), ("pgqueuer",), 7, drained=True)  # type: ignore[arg-type]
    assert drain.label == "0.15 s"


async def test_drain_without_a_queue_is_zero_and_says_so() -> None:
    async def pending() -> int:
        raise AssertionError("no table to count")

    drain = await wait_until_drained(pending, (), 60)

    assert drain.seconds == 0
    assert drain.label == "0 s (no queue)"
    (ratio,) = report.write_ratios({}, {"write_one_author": drain}, None, {})[1:]
    assert ratio.value == 0
    assert ratio.passed is True
    assert ratio.note == "0 s (no queue)"


async def test_a_queue_that_does_not_drain_in_time_fails_the_goal() -> None:
    fake = _FakeTime()

    async def pending() -> int:
        return 3

    drain = await wait_until_drained(pending, ("jobs",), 6, fake.clock, fake.pause)

    assert not drain.drained
    assert drain.seconds >= 6
    assert drain.label == "> 6 s (timed out)"
    (ratio,) = report.write_ratios({}, {"write_one_author": drain}, None, {})[1:]
    assert ratio.passed is False


@pytest.fixture
async def sqlite() -> AsyncIterator[AsyncConnection]:
    engine = create_async_engine("sqlite+aiosqlite://", isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            yield connection
    finally:
        await engine.dispose()


async def test_a_database_without_a_queue_has_no_pending_jobs(sqlite: AsyncConnection) -> None:
    await sqlite.execute(text("CREATE TABLE tweets (id INTEGER PRIMARY KEY)"))
    assert await queue_tables(sqlite) == []
    assert await pending_jobs(sqlite) == 0


async def test_pending_jobs_counts_due_and_running_jobs_and_unfolded_counts(
    sqlite: AsyncConnection,
) -> None:
    await sqlite.execute(
        text("CREATE TABLE jobs (id INTEGER PRIMARY KEY, status TEXT, run_at FLOAT)")
    )
    await sqlite.execute(text("CREATE TABLE count_changes (id INTEGER PRIMARY KEY)"))
    now = time.time()
    for status, run_at in (
        ("queued", now - 1),
        ("queued", now - 5),
        ("queued", now + 60),  # due later: a delayed job, not a backlog
        ("running", now - 1),
        ("failed", now - 1),
        ("done", now - 1),
    ):
        await sqlite.execute(
            text("INSERT INTO jobs (status, run_at) VALUES (:s, :r)"), {"s": status, "r": run_at}
        )
    await sqlite.execute(text("INSERT INTO count_changes DEFAULT VALUES"))

    assert await queue_tables(sqlite) == ["jobs", "count_changes"]
    assert await pending_jobs(sqlite) == 4  # a failed job is parked, not pending


def test_the_celebrity_ratio_divides_the_p99s_and_names_its_errors() -> None:
    small = Measurement("write_small_author", rps=300, p50_ms=100, p99_ms=200, requests=1500)
    celebrity = Measurement(
        "write_celebrity",
        rps=2,
        p50_ms=5000,
        p99_ms=9000,
        requests=10,
        socket_errors={"timeout": 4},
    )
    results = {"write_small_author": small, "write_celebrity": celebrity}

    (ratio,) = report.write_ratios(results, {}, None, {})

    assert ratio.value == pytest.approx(45.0)
    assert ratio.passed is False
    assert ratio.note == "9,000 ms ÷ 200 ms; 100k author's errors: 4 socket timeout"


def test_the_fan_out_ratio_compares_rows_per_second() -> None:
    fan_out = {"app": FanOutRun(100_001, 2.0), "database": FanOutRun(100_000, 0.5)}

    ratio = report.write_ratios({}, {}, None, fan_out)[-1]

    assert ratio.name == "fan_out_vs_postgres"
    assert ratio.value == pytest.approx(50_000.5 / 200_000)
    assert ratio.passed is False
    assert ratio.note == "50,000 ÷ 200,000 rows/s"


def test_a_celebrity_whose_posts_all_outlast_the_run_fails_the_goal() -> None:
    small = Measurement("write_small_author", rps=300, p50_ms=100, p99_ms=200, requests=1500)
    nothing = Measurement("write_celebrity", rps=0, p50_ms=0, p99_ms=0, requests=0)
    results = {"write_small_author": small, "write_celebrity": nothing}

    (ratio,) = report.write_ratios(results, {}, None, {})

    assert ratio.passed is False
    assert ratio.note == "no post by the 100k author answered within the run"
    table = report.markdown("S", results, [ratio])
    assert "| POST /tweets, an author with 100,000 followers | 0 | - | - | no response" in table
