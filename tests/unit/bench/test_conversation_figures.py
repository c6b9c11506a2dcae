"""The ``--conversations`` run: the threads it loads and the ratios it judges."""

from __future__ import annotations

import random
from collections import Counter
from functools import partial

from bench import conversations
from bench.conversations import _thread_rows, ratios, thread_tweets
from bench.loadgen import Measurement
from bench.plan import parser, plan_of


def test_the_threads_have_the_shapes_the_issue_names() -> None:
    ids = list(range(1000, 1000 + thread_tweets()))
    rows, threads = _thread_rows(500, ids, random.Random(1))

    parents = {tweet_id: parent for tweet_id, _, parent, _ in rows}
    authors = {tweet_id: author for tweet_id, author, _, _ in rows}
    replies = Counter(parent for parent in parents.values() if parent is not None)
    assert len(rows) == thread_tweets() == len(set(parents))
    roots = [tweet_id for tweet_id, parent in parents.items() if parent is None]
    assert len(roots) == conversations.CHAINS

    def depth(tweet_id: int) -> int:
        steps = 0
        while (parent := parents[tweet_id]) is not None:
            tweet_id, steps = parent, steps + 1
        return steps

    assert [depth(t) for t in threads.deep] == [conversations.DEEP_LENGTH // 2] * 5
    assert [replies[root] for root in threads.wide] == [conversations.WIDE_REPLIES] * 5
    assert {depth(t) for t in threads.short} == {1}
    assert all(
        parent_author == authors[parent]
        for _, _, parent, parent_author in rows
        if parent is not None
    )


def measurement(name: str, rps: float, p99_ms: float) -> Measurement:
    return Measurement(name, rps, p50_ms=p99_ms / 2, p99_ms=p99_ms, requests=100)


def test_each_goal_is_judged_on_its_measure_and_direction() -> None:
    results = {
        "context_deep": measurement("context_deep", 100, 30),
        "context_short": measurement("context_short", 300, 10),
        "feed_with_reposts": measurement("feed_with_reposts", 950, 20),
        "feed_without_reposts": measurement("feed_without_reposts", 1000, 20),
    }

    found = {row["ratio"].split(" ")[0]: (row["value"], row["met"]) for row in ratios(results)}

    assert found == {"context_deep": (3.0, False), "feed_with_reposts": (0.95, True)}


def test_the_mode_is_chosen_on_the_command_line() -> None:
    plan = plan_of(parser(None).parse_args(["--conversations", "--quick"]))
    assert plan.conversations
    assert not plan_of(parser(None).parse_args([])).conversations


def test_a_figure_is_the_median_of_its_rounds_and_every_round_is_kept() -> None:
    calls: list[str] = []
    figures = {"a": iter([(100, 9.0), (300, 1.0), (200, 5.0)]), "b": iter([(7, 1.0)] * 3)}

    def run(key: str) -> Measurement:
        calls.append(key)
        rps, p99 = next(figures[key])
        return measurement(key, rps, p99)

    results = conversations.in_rounds({key: partial(run, key) for key in "ab"}, rounds=3)

    assert calls == ["a", "b"] * 3
    assert (results["a"].rps, results["a"].p99_ms, results["a"].requests) == (200, 5.0, 300)
    assert [r["rps"] for r in results["a"].extra["rounds"]] == [100, 300, 200]


def test_the_feed_cohorts_split_the_readers_alternately() -> None:
    assert conversations.feed_cohorts([1, 3, 5, 7, 9]) == ([1, 5, 9], [3, 7])
