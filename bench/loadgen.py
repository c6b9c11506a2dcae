"""Load generators: ``wrk`` (with the Lua scripts in ``bench/lua``) and ``pgbench``."""

from __future__ import annotations

import contextlib
import math
import os
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import cpu
from bench.processes import log, pinned, run

LUA_DIR = Path(__file__).resolve().parent / "lua"
WRK = "/usr/bin/wrk"
LUA_SEED = 42

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}
_DURATION = re.compile(r"^\s*([\d.]+)(us|ms|s|m)\s*$")
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_PERCENTILE = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s+(\d+) requests in ([\d.]+\w+),", re.MULTILINE)
_SOCKET_ERRORS = re.compile(
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", re.MULTILINE
)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


def _milliseconds(text: str) -> float:
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


@dataclass(slots=True)
class Measurement:
    """One timed run: throughput, latency percentiles, and what went wrong."""

    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    statuses: dict[str, int] = field(default_factory=dict)
    non_2xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)
    first_error: str | None = None
    command: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def error_count(self) -> int:
        return self.non_2xx + sum(self.socket_errors.values())

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["rps"] = round(self.rps, 1)
        data["p50_ms"] = round(self.p50_ms, 3)
        data["p99_ms"] = round(self.p99_ms, 3)
        return data


def parse_wrk(name: str, output: str) -> Measurement:
    rps = _RPS.search(output)
    total = _TOTAL.search(output)
    percentiles = {key: _milliseconds(value) for key, value in _PERCENTILE.findall(output)}
    if rps is None or total is None or set(percentiles) != {"50", "99"}:
        raise RuntimeError(f"cannot read wrk's output for {name}:\n{output}")
    statuses: dict[str, int] = {}
    first_error: str | None = None
    for line in output.splitlines():
        if line.startswith("BENCH_LATENCY_US "):
            # The same percentiles, unrounded (wrk prints "1.16s" for 1157.3 ms).
            exact = dict(item.partition("=")[::2] for item in line.split()[1:])
            percentiles = {"50": int(exact["p50"]) / 1000, "99": int(exact["p99"]) / 1000}
        elif line.startswith("BENCH_STATUS"):
            for item in line.split()[1:]:
                status, _, count = item.partition("=")
                statuses[status] = int(count)
        elif line.startswith("BENCH_FIRST_ERROR "):
            first_error = line.removeprefix("BENCH_FIRST_ERROR ").strip()
    sockets = _SOCKET_ERRORS.search(output)
    socket_errors = (
        dict(zip(("connect", "read", "write", "timeout"), map(int, sockets.groups()), strict=True))
        if sockets
        else {}
    )
    non_2xx = _NON_2XX.search(output)
    return Measurement(
        name=name,
        rps=float(rps.group(1)),
        p50_ms=percentiles["50"],
        p99_ms=percentiles["99"],
        requests=int(total.group(1)),
        statuses=statuses,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors={key: value for key, value in socket_errors.items() if value},
        first_error=first_error,
    )


@dataclass(frozen=True, slots=True)
class WrkSettings:
    connections: int
    warmup_seconds: int
    seconds: int
    cpus: str | None  # taskset list for wrk, None: unpinned
    timeout_seconds: int = 10


def wrk(
    name: str,
    url: str,
    script: str,
    args: Sequence[str],
    settings: WrkSettings,
    warmup_args: Sequence[str] | None = None,
    meter: cpu.CpuMeter | None = None,
) -> Measurement:
    """A warm-up run (discarded), then the timed run with ``--latency``.

    ``warmup_args`` replace ``args`` for the warm-up (scripts that use up their data);
    ``meter`` measures where the CPU went during the timed run.
    """
    env = {**os.environ, "BENCH_LUA_DIR": str(LUA_DIR), "BENCH_SEED": str(LUA_SEED)}

    def command(seconds: int, script_args: Sequence[str], latency: bool) -> list[str]:
        return pinned(
            [
                WRK,
                "-t1",
                f"-c{settings.connections}",
                f"-d{seconds}s",
                f"--timeout={settings.timeout_seconds}s",
                *(["--latency"] if latency else []),
                "-s",
                str(LUA_DIR / script),
                url,
                "--",
                *script_args,
            ],
            settings.cpus,
        )

    if settings.warmup_seconds > 0:
        warmup = run(
            command(settings.warmup_seconds, warmup_args or args, latency=False),
            env=env,
            timeout=settings.warmup_seconds + 60,
        )
        warm = _RPS.search(warmup)
        log(f"  {name}: warm-up {warm.group(1) if warm else '?'} req/s")
    timed = command(settings.seconds, args, latency=True)
    with _measured(meter) as seconds:
        output = run(timed, env=env, timeout=settings.seconds + 60)
    result = parse_wrk(name, output)
    result.command = " ".join(timed)
    _add_cpu(result, seconds)
    errors = f", {result.error_count} errors {result.statuses}" if result.error_count else ""
    log(
        f"  {name}: {result.rps:,.0f} req/s, p50 {result.p50_ms:.2f} ms, "
        f"p99 {result.p99_ms:.2f} ms{errors}"
    )
    return result


_TPS = re.compile(r"^tps = ([\d.]+) \(without initial connection time\)", re.MULTILINE)
_FAILED = re.compile(r"^number of failed transactions: (\d+)", re.MULTILINE)
_PROCESSED = re.compile(r"^number of transactions actually processed: (\d+)", re.MULTILINE)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest rank: the smallest value with at least ``fraction`` of all values at or below
    it (the p99 of 100 values is the 99th smallest, of 10 values the largest)."""
    if not values or not 0 < fraction <= 1:
        raise ValueError(f"no {fraction} percentile of {len(values)} values")
    ordered = sorted(values)
    # Rounded first: 0.99 * 100 is 99.00000000000001 in floating point.
    rank = math.ceil(round(fraction * len(ordered), 9))
    return ordered[max(rank, 1) - 1]


def pgbench(
    name: str,
    pgbench_bin: Path,
    connection: Mapping[str, str],
    script_sql: str,
    variables: str,
    settings: WrkSettings,
    workdir: Path,
    meter: cpu.CpuMeter | None = None,
) -> Measurement:
    """``pgbench -M prepared`` on one custom script, with per-transaction logs for p50/p99."""
    script = workdir / f"{name}.sql"
    script.write_text(f"{variables}\n{' '.join(script_sql.split())};\n")
    base = [
        str(pgbench_bin),
        "-n",
        "-h", connection["host"],
        "-p", connection["port"],
        "-U", connection["user"],
        "-c", str(settings.connections),
        "-j", "2",
        "-M", "prepared",
        "-f", str(script),
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    # Plan as Chirp's read connections do (adapters/sql/drivers.GENERIC_PLANS).
    env["PGOPTIONS"] = "-c plan_cache_mode=force_generic_plan"
    if settings.warmup_seconds > 0:
        run(
            pinned(
                [*base, "-T", str(settings.warmup_seconds), connection["dbname"]], settings.cpus
            ),
            env=env,
            cwd=workdir,
            timeout=settings.warmup_seconds + 60,
        )
    logs = workdir / "pgbench-logs"
    logs.mkdir(exist_ok=True)
    prefix = logs / name
    timed = pinned(
        [*base, "-T", str(settings.seconds), "-l", f"--log-prefix={prefix}", connection["dbname"]],
        settings.cpus,
    )
    with _measured(meter, settle_seconds=1.0) as seconds:  # its backends end with it
        output = run(timed, env=env, cwd=workdir, timeout=settings.seconds + 60)
    tps = _TPS.search(output)
    processed = _PROCESSED.search(output)
    if tps is None or processed is None:
        raise RuntimeError(f"cannot read pgbench's output:\n{output}")
    latencies_ms: list[float] = []
    for path in logs.glob(f"{name}.*"):
        with path.open() as lines:
            # client_id transaction_no time_us script_no time_epoch time_us_fraction
            latencies_ms.extend(int(line.split()[2]) / 1000 for line in lines if line.strip())
    if not latencies_ms:
        raise RuntimeError("pgbench wrote no transaction log")
    failed = _FAILED.search(output)
    result = Measurement(
        name=name,
        rps=float(tps.group(1)),
        p50_ms=statistics.median(latencies_ms),
        p99_ms=percentile(latencies_ms, 0.99),
        requests=int(processed.group(1)),
        non_2xx=int(failed.group(1)) if failed else 0,
        command=" ".join(timed),
        extra={"script": script.read_text()},
    )
    _add_cpu(result, seconds)
    log(f"  {name}: {result.rps:,.0f} tps, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms")
    return result


def _measured(
    meter: cpu.CpuMeter | None, settle_seconds: float = 0.0
) -> contextlib.AbstractContextManager[dict[str, float]]:
    return meter.measure(settle_seconds) if meter is not None else contextlib.nullcontext({})


def _add_cpu(result: Measurement, seconds: dict[str, float]) -> None:
    usage = cpu.per_request(seconds, result.requests)
    if usage:
        result.extra["cpu_us_per_request"] = usage
