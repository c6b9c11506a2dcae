"""Where the CPU went during a timed run: each part's CPU time per request (Linux ``/proc``).

The parts: the servers' event-loop threads (Python: Litestar, dishka, Chirp), their other
threads (argon2, logging), Granian's own threads (Rust, named ``tokio-*``), PostgreSQL's
processes, the load generator (wrk or pgbench) and everything else. On a machine where they
all share the cores, this is what tells a slow endpoint from a busy neighbour.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

PROC = Path("/proc")
PARTS = ("event loop", "server threads", "granian", "postgres", "load generator", "other")
_LOAD_GENERATORS = frozenset({"wrk", "pgbench"})

# (pid, tid) -> (parent pid, process name, thread name, CPU ticks). A process's own entry,
# (pid, 0), holds the CPU of its children that ended and were reaped (PostgreSQL's pgbench
# backends, the harness's wrk), which counts where that process counts.
Snapshot = dict[tuple[int, int], tuple[int, str, str, int]]
REAPED = 0


def available() -> bool:
    return (PROC / "self" / "task").is_dir()


def _stat(path: Path) -> tuple[str, list[str]] | None:
    """A ``stat`` file's name and the fields after it (the name may hold spaces)."""
    try:
        text = path.read_text()
    except OSError:  # the thread or process ended meanwhile
        return None
    name, _, rest = text.partition(" (")[2].rpartition(")")
    return name, rest.split()


def _snapshot() -> Snapshot:
    threads: Snapshot = {}
    for process in PROC.iterdir():
        if not process.name.isdigit():
            continue
        pid = int(process.name)
        own = _stat(process / "stat")
        if own is None:
            continue
        process_name, process_fields = own
        parent = int(process_fields[1])
        # cutime and cstime: fields 16 and 17 of stat, 14 and 15 after the name.
        reaped = int(process_fields[13]) + int(process_fields[14])
        threads[pid, REAPED] = (parent, process_name, "", reaped)
        try:
            tasks = list((process / "task").iterdir())
        except OSError:
            continue
        for task in tasks:
            found = _stat(task / "stat")
            if found is not None:
                thread_name, fields = found
                # utime and stime: fields 14 and 15 of stat, 12 and 13 after the name.
                ticks = int(fields[11]) + int(fields[12])
                threads[pid, int(task.name)] = (parent, process_name, thread_name, ticks)
    return threads


def _part(pid: int, tid: int, snapshot: Snapshot, servers: frozenset[int]) -> str:
    _, process_name, thread_name, _ = snapshot[pid, tid]
    if tid == REAPED and pid == os.getpid():
        return "load generator"  # all the harness runs during a timed run
    ancestor: int | None = pid
    seen = 0
    while ancestor is not None and seen < 64:
        if ancestor in servers:
            if thread_name.startswith("tokio"):
                return "granian"
            return "event loop" if tid == pid else "server threads"
        entry = snapshot.get((ancestor, ancestor))
        ancestor = entry[0] if entry is not None and entry[0] != ancestor else None
        seen += 1
    if process_name == "postgres":
        return "postgres"
    if process_name in _LOAD_GENERATORS:
        return "load generator"
    return "other"


class CpuMeter:
    """Measures the CPU seconds of each part while a block runs.

    ``servers`` gives the pids of the servers started for the run (their children count
    as theirs: Granian's workers).
    """

    def __init__(self, servers: Callable[[], Sequence[int]]) -> None:
        self._servers = servers

    @contextlib.contextmanager
    def measure(self, settle_seconds: float = 0.0) -> Iterator[dict[str, float]]:
        """Yields a dict that holds, once the block is done, CPU seconds per part.

        ``settle_seconds`` lets processes that end with a run (pgbench's PostgreSQL backends)
        be reaped before each snapshot, so that their time counts in the right one.
        """
        seconds: dict[str, float] = {}
        time.sleep(settle_seconds)
        before = _snapshot()
        yield seconds
        time.sleep(settle_seconds)
        after = _snapshot()
        servers = frozenset(self._servers())
        ticks: Counter[str] = Counter()
        for key, (_, _, _, now) in after.items():
            spent = now - before[key][3] if key in before else now
            if spent > 0:
                ticks[_part(*key, after, servers)] += spent
        per_second = os.sysconf("SC_CLK_TCK")
        seconds.update({part: ticks[part] / per_second for part in PARTS})


def per_request(seconds: dict[str, float], requests: int) -> dict[str, float]:
    """CPU µs per request for each part, and their total."""
    if requests <= 0 or not seconds:
        return {}
    micros = {part: round(spent / requests * 1e6, 1) for part, spent in seconds.items()}
    micros["total"] = round(sum(seconds.values()) / requests * 1e6, 1)
    return micros
