"""The command line, and the run it asks for (:class:`Plan`)."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

from bench import dataset, report
from bench.dataset import Size
from bench.loadgen import WrkSettings


@dataclass(frozen=True, slots=True)
class Plan:
    size: Size
    wrk: WrkSettings
    server_cpus: str | None
    server_cores: int
    only: frozenset[str]
    save: bool
    mode: str
    database_url: str | None = None
    replica: bool = False  # the read replica comparison and replica lag instead
    conversations: bool = False  # issue 15's reads (bench.conversations) instead


def parser(description: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=description)
    parser.add_argument("--size", choices=sorted(dataset.SIZES), default="S")
    parser.add_argument("--quick", action="store_true", help="warm-up 2 s, timed runs 5 s")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="no warm-up, 1 s runs, nothing saved: checks that the harness works",
    )
    parser.add_argument("--warmup", type=int, help="warm-up seconds (default 3)")
    parser.add_argument("--duration", type=int, help="timed seconds (default 10)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--server-cpus",
        default="auto",
        help="taskset CPU list for the servers, 'none' to leave them unpinned, or 'auto' "
        "(pinned away from wrk when at least 4 cores, else unpinned)",
    )
    parser.add_argument(
        "--wrk-cpus",
        default="auto",
        help="taskset CPU list for wrk and pgbench, 'none', or 'auto' (the last core)",
    )
    parser.add_argument(
        "--only",
        help="comma-separated scenario keys to run (default: all): "
        + ",".join([*report.LABELS, *report.OTHER_KEYS])
        + "; with --replica also: "
        + ",".join(report.REPLICA_ONLY_LABELS),
    )
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results")
    parser.add_argument(
        "--database-url",
        help="an existing PostgreSQL database (postgresql+asyncpg://...) instead of a "
        "throwaway one; the dataset is loaded only if it is empty, so a loaded size L "
        "database can be measured again without reloading",
    )
    parser.add_argument(
        "--replica",
        action="store_true",
        help="instead of the usual run: on a PostgreSQL primary with a streaming replica, "
        "the read scenarios through chirp with CHIRP_READ_REPLICA_URLS and through chirp on "
        "the primary alone, then the replica's lag under the write scenarios",
    )
    parser.add_argument(
        "--conversations",
        action="store_true",
        help="instead of the usual run: threads, reposts, hashtags and search added to the "
        "dataset, then /context, /tags, /search and the feed with and without reposts",
    )
    return parser


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _cpus_in(cpu_list: str) -> int:
    count = 0
    for part in cpu_list.split(","):
        first, _, last = part.partition("-")
        count += int(last or first) - int(first) + 1
    return count


def plan_of(args: argparse.Namespace) -> Plan:
    cores = cpu_count()
    if args.smoke:
        warmup, seconds, mode = 0, 1, "smoke"
    elif args.quick:
        warmup, seconds, mode = 2, 5, "quick"
    else:
        warmup, seconds, mode = 3, 10, "full"
    warmup = args.warmup if args.warmup is not None else warmup
    seconds = args.duration if args.duration is not None else seconds
    if args.wrk_cpus == "auto":
        wrk_cpus = str(cores - 1) if cores >= 2 else None
    else:
        wrk_cpus = None if args.wrk_cpus == "none" else args.wrk_cpus
    if args.server_cpus == "auto":
        # With 2 or 3 cores, one core cannot carry 2 workers and PostgreSQL: leave them free.
        server_cpus = f"0-{cores - 2}" if cores >= 4 else None
    else:
        server_cpus = None if args.server_cpus == "none" else args.server_cpus
    known = frozenset([*report.LABELS, *report.OTHER_KEYS])
    if args.replica:
        known |= frozenset(report.REPLICA_ONLY_LABELS)
        if args.database_url:
            raise SystemExit("--replica starts a primary and a replica: no --database-url")
    only = frozenset(args.only.split(",")) if args.only else known
    unknown = only - known
    if unknown:
        replica_only = " (--replica only)" if unknown & set(report.REPLICA_ONLY_LABELS) else ""
        raise SystemExit(f"unknown scenario(s){replica_only}: {', '.join(sorted(unknown))}")
    return Plan(
        size=dataset.SIZES[args.size],
        wrk=WrkSettings(args.connections, warmup, seconds, wrk_cpus),
        server_cpus=server_cpus,
        server_cores=_cpus_in(server_cpus) if server_cpus else cores,
        only=only,
        save=not (args.no_save or args.smoke),
        mode=mode,
        database_url=args.database_url,
        replica=args.replica,
        conversations=args.conversations,
    )
