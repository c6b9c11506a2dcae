"""CHIRP_REDIS_URL: one Redis server, or a master found through Redis Sentinel."""

from __future__ import annotations

import pytest

from entrypoints.config import AppConfig, ConfigError, RedisSentinel, redis_sentinel

BASE = {"CHIRP_JWT_SECRET": "s" * 40}


def redis_url(value: str) -> str | None:
    return AppConfig.from_env({**BASE, "CHIRP_REDIS_URL": value}).redis_url


def test_server_urls_redis_py_reads_are_kept_as_they_are() -> None:
    for url in (
        "redis://localhost:6379/0",
        "redis://:hunter2@10.0.0.5/3",
        "rediss://user:hunter2@cache.example.com:6380/0",
        "unix:///run/redis.sock?db=1",
    ):
        assert redis_url(url) == url
        assert redis_sentinel(url) is None
    assert AppConfig.from_env(BASE).redis_url is None
    assert AppConfig.from_env({**BASE, "CHIRP_REDIS_URL": ""}).redis_url is None


def test_a_sentinel_url_names_the_sentinels_the_service_and_the_database() -> None:
    url = "redis+sentinel://:hunter2@10.0.0.1:26380,sentinel-b,[::1]:5000/mymaster/2"

    assert redis_url(url) == url
    assert redis_sentinel(url) == RedisSentinel(
        sentinels=(("10.0.0.1", 26380), ("sentinel-b", 26379), ("::1", 5000)),
        service="mymaster",
        db=2,
        password="hunter2",
    )


def test_a_sentinel_url_has_defaults_and_optional_credentials() -> None:
    assert redis_sentinel("redis+sentinel://10.0.0.1/mymaster") == RedisSentinel(
        sentinels=(("10.0.0.1", 26379),), service="mymaster"
    )
    assert redis_sentinel(
        "REDIS+SENTINEL://chirp:p%40ss@s1:1,s2:2/cache/?sentinel_username=watch"
        "&sentinel_password=s3cret"
    ) == RedisSentinel(
        sentinels=(("s1", 1), ("s2", 2)),
        service="cache",
        username="chirp",
        password="p@ss",
        sentinel_username="watch",
        sentinel_password="s3cret",
    )


def test_the_passwords_are_not_shown() -> None:
    target = redis_sentinel("redis+sentinel://:hunter2@s1/m?sentinel_password=s3cret")
    assert target is not None
    assert "hunter2" not in repr(target)
    assert "s3cret" not in repr(target)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://cache:6379/0", "must start with redis://"),
        ("cache:6379", "must start with redis://"),
        ("redis://:hunter2@cache:port/0", "is not usable"),
        ("redis://:hunter2@cache/0?socket_timeout=soon", "is not usable"),
        ("redis+sentinel://:hunter2@s1:26379", "/SERVICE"),
        ("redis+sentinel://:hunter2@s1:26379/", "/SERVICE"),
        ("redis+sentinel://:hunter2@s1/mymaster/zero", "/SERVICE/DB"),
        ("redis+sentinel://:hunter2@s1/mymaster/0/1", "/SERVICE/DB"),
        ("redis+sentinel://:hunter2@/mymaster", "Sentinel ''"),
        ("redis+sentinel://:hunter2@s1,,s2/mymaster", "Sentinel ''"),
        ("redis+sentinel://:hunter2@s1:port/mymaster", "Sentinel 's1:port'"),
        ("redis+sentinel://:hunter2@s1:99999/mymaster", "Sentinel 's1:99999'"),
        ("redis+sentinel://:hunter2@s1/mymaster?db=1", "parameter 'db'"),
        ("redis+sentinel://:hunter2@s1/mymaster?sentinel_password", "malformed query"),
        ("redis+sentinel://:hunter2@s1/mymaster#top", "fragment"),
    ],
)
def test_an_unusable_redis_url_is_refused_without_repeating_the_password(
    url: str, reason: str
) -> None:
    with pytest.raises(ConfigError, match="CHIRP_REDIS_URL") as refused:
        redis_url(url)
    message = str(refused.value)
    assert reason in message
    assert "hunter2" not in message
    assert "redis+sentinel://" in message  # the example shows the form
