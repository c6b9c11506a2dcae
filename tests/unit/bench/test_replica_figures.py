"""The ``--replica`` run's figures: replica lag percentiles, where the reads went, the report."""

from __future__ import annotations

import math

import pytest
from bench.loadgen import Measurement
from bench.plan import parser, plan_of
from bench.replica import ReadPair, Transactions, lag_markdown, reads_markdown
from bench.replica_lag import LagLog


def test_lag_is_summarised_in_milliseconds_by_nearest_rank() -> None:
    log = LagLog()
    for i in range(1, 101):  # 1 ms ... 100 ms
        log.add(i / 1000, polls=2, replay_lag_ms=None)

    lag = log.summary()

    assert lag.samples == 100
    assert lag.p50_ms == pytest.approx(50.0)
    assert lag.p99_ms == pytest.approx(99.0)
    assert lag.max_ms == pytest.approx(100.0)
    assert lag.unreached == 0
    assert lag.polls_per_sample == pytest.approx(2.0)
    assert lag.replay_lag_samples == 0
    assert lag.replay_lag_p99_ms is None


def test_a_position_never_replayed_makes_the_lag_infinite_and_is_counted() -> None:
    log = LagLog()
    log.add(0.002, polls=1, replay_lag_ms=1.5)
    log.add(None, polls=40, replay_lag_ms=None)

    lag = log.summary()

    assert lag.unreached == 1
    assert lag.p50_ms == pytest.approx(2.0)
    assert lag.max_ms is not None
    assert math.isinf(lag.max_ms)
    assert lag.as_json()["max_ms"] is None  # JSON has no infinity
    assert lag.as_json()["unreached"] == 1
    # pg_stat_replication's NULLs are left out of its figures, not counted as 0.
    assert lag.replay_lag_samples == 1
    assert lag.replay_lag_p50_ms == pytest.approx(1.5)


def test_the_lag_of_all_write_loads_merges_their_samples() -> None:
    first, second = LagLog(), LagLog()
    first.add(0.001, polls=1, replay_lag_ms=None)
    second.add(0.009, polls=3, replay_lag_ms=None)
    second.errors.append("ConnectionError: gone")

    merged = LagLog()
    merged.extend(first)
    merged.extend(second)
    lag = merged.summary()

    assert lag.samples == 2
    assert lag.max_ms == pytest.approx(9.0)
    assert lag.polls_per_sample == pytest.approx(2.0)
    assert lag.errors == ["ConnectionError: gone"]


def test_no_sample_gives_no_figures() -> None:
    lag = LagLog().summary()

    assert (lag.samples, lag.p50_ms, lag.p99_ms, lag.max_ms) == (0, None, None, None)


def test_transactions_per_request_show_which_server_did_the_reads() -> None:
    transactions = Transactions.of(before=(1_000, 50), after=(1_100, 2_050), requests=2_000)

    assert transactions.primary == pytest.approx(0.05)
    assert transactions.replica == pytest.approx(1.0)
    assert transactions.replica_share == pytest.approx(1.0 / 1.05)
    assert str(transactions) == "0.05 + 1.00"
    assert Transactions.of((5, 5), (5, 5), requests=0).replica_share is None


def _measurement(name: str, rps: float, p99_ms: float) -> Measurement:
    return Measurement(name=name, rps=rps, p50_ms=p99_ms / 4, p99_ms=p99_ms, requests=int(rps))


def test_the_read_table_gives_both_runs_their_ratios_and_where_the_reads_went() -> None:
    pairs = [
        ReadPair(
            "me",
            _measurement("me", 4000, 40.0),
            _measurement("me", 3600, 44.0),
            Transactions(1.1, 0.0),
            Transactions(1.1, 0.0),
        ),
        ReadPair(
            "feed_page1",
            _measurement("feed_page1", 1000, 200.0),
            _measurement("feed_page1", 1250, 100.0),
            Transactions(1.05, 0.0),
            Transactions(0.05, 1.0),
        ),
    ]

    table = reads_markdown("S", pairs)

    assert "| GET /me (control: never on a replica) | 4,000 | 40.00 | 3,600 | 44.00 | 0.90 " in (
        table
    )
    assert "| GET /feed page 1 | 1,000 | 200.00 | 1,250 | 100.00 | 1.25 | 0.50 " in table
    assert "| 1.05 + 0.00 | 0.05 + 1.00 | 0 |" in table
    # The control is not in the mean of the reads that may lag.
    assert "geometric mean of the 1 reads that may lag: 1.25" in table
    assert pairs[1].as_json()["transactions_per_request"]["with_replica"] == {
        "primary": 0.05,
        "replica": 1.0,
    }


def test_the_lag_table_has_the_floor_each_write_load_and_all_of_them() -> None:
    idle, load = LagLog(), LagLog()
    idle.add(0.0007, polls=1, replay_lag_ms=None)
    load.add(0.004, polls=20, replay_lag_ms=12.0)
    load.add(None, polls=500, replay_lag_ms=None)
    writes = {"write_many_authors": _measurement("write_many_authors", 150, 700.0)}

    table = lag_markdown(idle.summary(), {"write_many_authors": load}, writes, load.summary())

    assert "| no load (the method's floor) | - | 1 | 0.7 | 0.7 | 0.7 | 0 | n/a / n/a |" in table
    assert "| POST /tweets, one author per connection | 150 | 2 | 4.0 | never | never | 1 |" in (
        table
    )
    assert "| **all write scenarios** |" in table


def test_replica_only_scenarios_need_replica() -> None:
    args = parser(None).parse_args(["--only", "tweet_anonymous"])
    with pytest.raises(SystemExit, match="--replica only"):
        plan_of(args)

    plan = plan_of(parser(None).parse_args(["--replica", "--only", "tweet_anonymous,feed_page1"]))
    assert plan.replica
    assert plan.only == {"tweet_anonymous", "feed_page1"}


def test_replica_starts_its_own_servers_so_takes_no_database_url() -> None:
    args = parser(None).parse_args(["--replica", "--database-url", "postgresql+asyncpg://x/y"])
    with pytest.raises(SystemExit, match="no --database-url"):
        plan_of(args)


def test_without_replica_the_plan_is_the_usual_run() -> None:
    plan = plan_of(parser(None).parse_args(["--quick"]))

    assert not plan.replica
    assert "tweet_anonymous" not in plan.only
