"""Which Redis failures are outages (503)."""

from __future__ import annotations

import pytest
from redis.exceptions import (
    BusyLoadingError,
    ConnectionError,
    ReadOnlyError,
    ResponseError,
    TimeoutError,
)

from adapters.redis_outage import redis_calls
from application.errors import DependencyUnavailable


@pytest.mark.parametrize(
    "failure",
    [
        ConnectionError("Error 111 connecting to 127.0.0.1:6379"),
        TimeoutError("Timeout reading from socket"),
        BusyLoadingError("Redis is loading the dataset in memory"),
        ReadOnlyError("You can't write against a read only replica."),
        ConnectionResetError(104, "Connection reset by peer"),
    ],
    ids=type,
)
def test_redis_that_cannot_answer_is_unavailable(failure: Exception) -> None:
    with pytest.raises(DependencyUnavailable) as raised, redis_calls():
        raise failure
    assert raised.value.dependency == "redis"
    assert raised.value.__cause__ is failure


def test_a_wrong_command_is_left_as_it_is() -> None:
    with pytest.raises(ResponseError), redis_calls():
        raise ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value")
