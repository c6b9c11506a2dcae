"""The report: Markdown tables on stdout and ``bench/results/<date>-<size>.json``."""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.cpu import PARTS
from bench.derived_work import Drain
from bench.fan_out import FanOutRun
from bench.freshness import Freshness
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
    "write_one_author": "POST /tweets, one author on every connection",
    "write_many_authors": "POST /tweets, one author per connection",
    "write_like_unlike": "POST, DELETE /tweets/{id}/like: one tweet, a user per connection",
    "write_follow_unfollow": "POST, DELETE /users/{u}/follow: one account, a user per connection",
    "write_small_author": "POST /tweets, an author with 10 followers",
    "write_celebrity": "POST /tweets, an author with 100,000 followers",
}
# Measurements that are not a load of their own (``--only`` keys too).
OTHER_KEYS: dict[str, str] = {
    "fan_out": "fan-out throughput: a post by the author with 100,000 followers",
}
# Read scenarios of ``--replica`` only: public pages read by anonymous callers.
REPLICA_ONLY_LABELS: dict[str, str] = {
    "tweet_anonymous": "GET /tweets/{id}, anonymous",
    "user_tweets_anonymous": "GET /users/{u}/tweets, anonymous",
}
DRAIN_GOAL_SECONDS = 5.0
FRESHNESS_GOAL_SECONDS = 2.0


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
            "value": None if self.value is None or math.isinf(self.value) else round(self.value, 3),
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


def write_ratios(
    results: Mapping[str, Measurement],
    drains: Mapping[str, Drain],
    freshness: Freshness | None,
    fan_out: Mapping[str, FanOutRun],
) -> list[Ratio]:
    """The goals of the write path (issue 13): a big author posts as fast as a small one,
    followers see a post within 2 s, derived work drains within 5 s, fan-out keeps up with
    the database's own statement."""
    celebrity, small = results.get("write_celebrity"), results.get("write_small_author")
    # No post answered within the run: its p99 is longer than the run, whatever it is.
    celebrity_p99 = (
        None if celebrity is None else celebrity.p99_ms if celebrity.requests else math.inf
    )
    small_p99 = None if small is None or not small.requests else small.p99_ms
    celebrity_note = (
        f"{celebrity_p99:,.0f} ms ÷ {small_p99:,.0f} ms"
        if celebrity_p99 is not None and small_p99 is not None
        else ""
    )
    if celebrity is not None and not celebrity.requests:
        celebrity_note = "no post by the 100k author answered within the run"
    if celebrity is not None and celebrity.error_count:
        celebrity_note += f"; 100k author's errors: {_errors(celebrity)}"
    found = [
        Ratio(
            "celebrity_vs_small_author",
            "POST /tweets p99, author with 100k followers ÷ with 10",
            _div(celebrity_p99, small_p99),
            "<=",
            1.5,
            celebrity_note,
        )
    ]
    if freshness is not None:
        found.append(
            Ratio(
                "feed_freshness",
                "feed freshness p99 under the many-authors load (s)",
                None if freshness.p99_ms is None else freshness.p99_ms / 1000,
                "<=",
                FRESHNESS_GOAL_SECONDS,
                _freshness_note(freshness),
            )
        )
    for key, drain in drains.items():
        found.append(
            Ratio(
                f"drain_{key}",
                f"queue drain after {LABELS[key]} (s)",
                drain.seconds,
                "<=",
                DRAIN_GOAL_SECONDS,
                "0 s (no queue)" if not drain.tables else f"{drain.pending_at_start:,} pending",
            )
        )
    if "app" in fan_out and "database" in fan_out:
        app, database = fan_out["app"], fan_out["database"]
        found.append(
            Ratio(
                "fan_out_vs_postgres",
                "fan-out rows/s ÷ PostgreSQL's INSERT … SELECT of the same rows",
                _div(app.rows_per_second, database.rows_per_second),
                ">=",
                0.5,
                f"{app.rows_per_second:,.0f} ÷ {database.rows_per_second:,.0f} rows/s",
            )
        )
    return found


def _freshness_note(freshness: Freshness) -> str:
    def ms(value: float | None) -> str:
        return "n/a" if value is None else "never" if math.isinf(value) else f"{value:,.0f} ms"

    unseen = f", {freshness.unseen} never seen" if freshness.unseen else ""
    return (
        f"{freshness.posts} posts, p50 {ms(freshness.p50_ms)}, max {ms(freshness.max_ms)}"
        f"{unseen}; feed read every {freshness.poll_ms:.0f} ms"
    )


def writes_markdown(
    drains: Mapping[str, Drain], freshness: Freshness | None, fan_out: Mapping[str, FanOutRun]
) -> str:
    """The derived work of the write scenarios: freshness, fan-out rates, queue drains."""
    lines = ["| derived work | value | detail |", "|---|---:|---|"]
    if freshness is not None:
        p99 = freshness.p99_ms
        value = "n/a" if p99 is None else "never" if math.isinf(p99) else f"p99 {p99:,.0f} ms"
        lines.append(
            f"| feed freshness, beside the many-authors load | {value} "
            f"| {_freshness_note(freshness)} |"
        )
    for key, label in (("app", "the application's"), ("database", "PostgreSQL's INSERT … SELECT")):
        run = fan_out.get(key)
        if run is not None:
            lines.append(
                f"| fan-out, {label} | {run.rows_per_second:,.0f} rows/s "
                f"| {run.rows:,} rows in {run.seconds * 1000:,.0f} ms |"
            )
    for key, drain in drains.items():
        pending = f"{drain.pending_at_start:,} pending" if drain.tables else ""
        lines.append(f"| queue drain after {LABELS[key]} | {drain.label} | {pending} |")
    return "\n".join(lines) if len(lines) > 2 else ""


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
        if not entry.requests:
            errors = _errors(entry) if entry.error_count else "no response within the run"
            lines.append(f"| {label} | 0 | - | - | {errors} |")
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
