"""The report: Markdown tables on stdout and ``bench/results/<date>-<size>.json``."""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.cpu import PARTS
from bench.loadgen import Measurement

RESULTS_DIR = Path(__file__).resolve().parent / "results"

# Scenario keys, in table order, with their labels.
LABELS: dict[str, str] = {
    "hello": "raw Litestar hello JSON (ceiling)",
    "me": "GET /me",
    "feed_page1": "GET /feed page 1",
    "feed_page50": "GET /feed page 50 (cursor)",
    "feed_big_follower": "GET /feed page 1, follower of the big account",
    "user_tweets": "GET /users/{u}/tweets",
    "post_tweet": "POST /tweets",
    "like": "POST /tweets/{id}/like",
    "login": "POST /auth/login",
    "refresh": "POST /auth/refresh",
    "pgbench_feed": "pgbench: the feed page 1 SQL",
}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def machine(extra: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model(),
        "memory_gib": memory_gib(),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        **extra,
    }


@dataclass(frozen=True, slots=True)
class Ratio:
    name: str
    formula: str
    value: float | None
    op: str  # ">=" or "<="
    threshold: float
    note: str = ""

    @property
    def passed(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.threshold if self.op == ">=" else self.value <= self.threshold

    @property
    def verdict(self) -> str:
        return {True: "✅", False: "❌", None: "n/a"}[self.passed]

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "formula": self.formula,
            "value": None if self.value is None else round(self.value, 3),
            "target": f"{self.op} {self.threshold}",
            "passed": self.passed,
            "note": self.note,
        }


def _div(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def newest_result(size: str, exclude: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The newest results file of ``size`` (by date in the name, then modification time)."""
    candidates = [
        path
        for path in RESULTS_DIR.glob(f"*-{size}.json")
        if exclude is None or path.resolve() != exclude.resolve()
    ]
    for path in sorted(candidates, key=lambda p: (p.name, p.stat().st_mtime), reverse=True):
        try:
            return path, json.loads(path.read_text())
        except (OSError, ValueError):
            continue
    return None


def _p99(data: Mapping[str, Any], key: str) -> float | None:
    entry = data.get("results", {}).get(key)
    return None if not entry else float(entry["p99_ms"])


def ratios(
    size: str,
    results: Mapping[str, Measurement],
    login_ceiling_rps: float | None,
    login_ceiling_note: str,
    other: tuple[Path, dict[str, Any]] | None,
) -> list[Ratio]:
    def rps(key: str) -> float | None:
        entry = results.get(key)
        return None if entry is None else entry.rps

    def p99(key: str) -> float | None:
        entry = results.get(key)
        return None if entry is None else entry.p99_ms

    if other is None:
        l_vs_s = None
        scale_note = f"no result of size {'L' if size == 'S' else 'S'} in bench/results yet"
    else:
        path, data = other
        own = p99("feed_page1")
        theirs = _p99(data, "feed_page1")
        l_vs_s = _div(own, theirs) if size == "L" else _div(theirs, own)
        scale_note = f"compared with {path.name}"
    page50_note = (
        results["feed_page50"].extra.get("readers", "") if "feed_page50" in results else ""
    )
    return [
        Ratio("me_vs_hello", "GET /me rps ÷ hello rps", _div(rps("me"), rps("hello")), ">=", 0.35),
        Ratio(
            "feed_vs_pgbench",
            "feed page 1 rps ÷ pgbench tps of the same SQL",
            _div(rps("feed_page1"), rps("pgbench_feed")),
            ">=",
            0.6,
        ),
        Ratio("feed_L_vs_S", "feed p99 at L ÷ feed p99 at S", l_vs_s, "<=", 2.0, scale_note),
        Ratio(
            "page50_vs_page1",
            "feed page 50 p99 ÷ page 1 p99",
            _div(p99("feed_page50"), p99("feed_page1")),
            "<=",
            1.2,
            page50_note,
        ),
        Ratio(
            "big_follower_vs_normal",
            "big-account follower's feed p99 ÷ a normal user's",
            _div(p99("feed_big_follower"), p99("feed_page1")),
            "<=",
            1.5,
        ),
        Ratio(
            "login_vs_argon2",
            "login rps ÷ (cores ÷ one argon2 verify)",
            _div(rps("login"), login_ceiling_rps),
            ">=",
            0.85,
            login_ceiling_note,
        ),
    ]


def _errors(entry: Measurement) -> str:
    if not entry.error_count:
        return "0"
    bad = {k: v for k, v in entry.statuses.items() if not k.startswith(("2", "3"))}
    parts = [f"{count} x {status}" for status, count in sorted(bad.items())]
    parts += [f"{count} socket {kind}" for kind, count in entry.socket_errors.items()]
    if not parts:  # pgbench: failed transactions
        parts = [f"{entry.non_2xx} failed"]
    return ", ".join(parts)


def cpu_markdown(results: Mapping[str, Measurement], cores: int) -> str:
    """Each part's CPU µs per request, beside what the cores offer per request at that rate."""
    header = ["endpoint", *PARTS, "total", "cores ÷ rate"]
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    for key, label in LABELS.items():
        entry = results.get(key)
        usage = entry.extra.get("cpu_us_per_request") if entry is not None else None
        if entry is None or not usage or entry.rps <= 0:
            continue
        cells = [f"{usage.get(part, 0):,.0f}" for part in (*PARTS, "total")]
        lines.append(f"| {label} | {' | '.join(cells)} | {cores / entry.rps * 1e6:,.0f} |")
    return "\n".join(lines) if len(lines) > 2 else ""


def markdown(size: str, results: Mapping[str, Measurement], ratio_list: list[Ratio]) -> str:
    lines = [
        f"### Chirp benchmark, size {size}",
        "",
        "| endpoint | req/s | p50 (ms) | p99 (ms) | errors |",
        "|---|---:|---:|---:|---|",
    ]
    for key, label in LABELS.items():
        entry = results.get(key)
        if entry is None:
            lines.append(f"| {label} | - | - | - | not run |")
            continue
        lines.append(
            f"| {label} | {entry.rps:,.0f} | {entry.p50_ms:.2f} | {entry.p99_ms:.2f} "
            f"| {_errors(entry)} |"
        )
    lines += ["", "| ratio | value | target | verdict | note |", "|---|---:|---|:-:|---|"]
    for ratio in ratio_list:
        value = "n/a" if ratio.value is None else f"{ratio.value:.2f}"
        lines.append(
            f"| {ratio.formula} | {value} | {ratio.op} {ratio.threshold} | {ratio.verdict} "
            f"| {ratio.note} |"
        )
    return "\n".join(lines)


def write(path: Path, document: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.tmp")
    partial.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    partial.replace(path)
