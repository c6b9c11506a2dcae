"""The benchmark's CPU accounting: which part of the system each thread's time belongs to."""

from __future__ import annotations

import os

import pytest
from bench import cpu

GRANIAN, WORKER, POSTMASTER, BACKEND, WRK = 100, 101, 200, 201, 300
SNAPSHOT: cpu.Snapshot = {
    (GRANIAN, GRANIAN): (1, "chirp", "chirp", 5),
    (WORKER, WORKER): (GRANIAN, "chirp", "chirp", 900),
    (WORKER, 102): (GRANIAN, "chirp", "tokio-rt-worker", 80),
    (WORKER, 103): (GRANIAN, "chirp", "chirp", 2000),  # an argon2 thread
    (POSTMASTER, POSTMASTER): (1, "postgres", "postgres", 3),
    (POSTMASTER, cpu.REAPED): (1, "postgres", "", 400),
    (BACKEND, BACKEND): (POSTMASTER, "postgres", "postgres", 700),
    (WRK, WRK): (1, "wrk", "wrk", 60),
    (os.getpid(), cpu.REAPED): (1, "python", "", 50),
}


@pytest.mark.parametrize(
    ("thread", "part"),
    [
        ((WORKER, WORKER), "event loop"),
        ((GRANIAN, GRANIAN), "event loop"),
        ((WORKER, 102), "granian"),
        ((WORKER, 103), "server threads"),
        ((BACKEND, BACKEND), "postgres"),
        ((POSTMASTER, cpu.REAPED), "postgres"),
        ((WRK, WRK), "load generator"),
        ((os.getpid(), cpu.REAPED), "load generator"),
    ],
)
def test_each_thread_counts_for_its_part(thread: tuple[int, int], part: str) -> None:
    assert cpu._part(*thread, SNAPSHOT, frozenset({GRANIAN})) == part


def test_per_request_is_microseconds_with_a_total() -> None:
    usage = cpu.per_request({"event loop": 0.5, "postgres": 0.25}, requests=1000)
    assert usage == {"event loop": 500.0, "postgres": 250.0, "total": 750.0}
    assert cpu.per_request({"event loop": 0.5}, requests=0) == {}


@pytest.mark.skipif(not cpu.available(), reason="needs Linux /proc")
def test_a_measured_block_sees_this_process_work() -> None:
    meter = cpu.CpuMeter(lambda: [os.getpid()])
    with meter.measure() as seconds:
        total = 0
        for number in range(3_000_000):
            total += number * number
    assert total > 0
    assert seconds["event loop"] > 0
    assert set(seconds) == set(cpu.PARTS)
