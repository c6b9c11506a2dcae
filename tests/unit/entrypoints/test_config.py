from __future__ import annotations

import stat
from pathlib import Path

import pytest

from entrypoints.config import DEFAULT_DATABASE_URL, AppConfig, ConfigError, MediaStore


def test_a_short_secret_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        AppConfig.from_env({"CHIRP_JWT_SECRET": "too-short", "CHIRP_DATA_DIR": str(tmp_path)})


def test_without_a_secret_one_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    environ = {"CHIRP_DATA_DIR": str(tmp_path / "data")}
    first = AppConfig.from_env(environ)
    second = AppConfig.from_env(environ)

    assert len(first.jwt_secret) >= 32
    assert first.jwt_secret == second.jwt_secret
    kept = tmp_path / "data" / "jwt-secret"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert first.database_url == DEFAULT_DATABASE_URL


def test_variables_are_read(tmp_path: Path) -> None:
    config = AppConfig.from_env(
        {
            "CHIRP_JWT_SECRET": "s" * 32,
            "CHIRP_DATABASE_URL": "postgresql+asyncpg://chirp@db/chirp",
            "CHIRP_MEDIA_DIR": str(tmp_path / "media"),
            "CHIRP_REDIS_URL": "redis://localhost:6379/0",
        }
    )
    assert config.jwt_secret == b"s" * 32
    assert config.database_url == "postgresql+asyncpg://chirp@db/chirp"
    assert config.media_dir == tmp_path / "media"
    assert config.redis_url == "redis://localhost:6379/0"


def test_hash_threads_are_read_and_checked() -> None:
    base = {"CHIRP_JWT_SECRET": "s" * 40}
    assert AppConfig.from_env(base).hash_threads is None
    assert AppConfig.from_env({**base, "CHIRP_HASH_THREADS": "3"}).hash_threads == 3
    for bad in ("0", "-1", "two"):
        with pytest.raises(ConfigError, match="CHIRP_HASH_THREADS"):
            AppConfig.from_env({**base, "CHIRP_HASH_THREADS": bad})


def test_an_unusable_database_url_is_refused_without_repeating_it() -> None:
    base = {"CHIRP_JWT_SECRET": "s" * 40}
    for url in (
        "not a url",
        "postgresql+asyncpg://chirp:hunter2@db:port/chirp",
        "postgresql+asyncpg://chirp:hunter2@db:99999/chirp",
        "nosuchdb+driver://chirp:hunter2@db/chirp",
        "postgresql://chirp:hunter2@db/chirp",  # a synchronous driver, or none installed
        "sqlite:///./chirp.db",  # synchronous
        "postgresql+psycopg://chirp:hunter2@db/chirp",  # asynchronous, but not one Chirp runs on
        "postgresql+asyncpg://chirp:hunter2@/chirp?host=db1:5432&host=db2",  # a port missing
        "postgresql+asyncpg://chirp:hunter2@/chirp?host=db1:5432&host=db2:x",
        "postgresql+asyncpg://chirp:hunter2@/chirp?host=db1:1&host=db2:2&port=3",
        "postgresql+asyncpg://chirp:hunter2@/chirp?host=db1:1&target_session_attrs=primary-ish",
    ):
        with pytest.raises(ConfigError, match="CHIRP_DATABASE_URL") as refused:
            AppConfig.from_env({**base, "CHIRP_DATABASE_URL": url})
        assert "hunter2" not in str(refused.value)
    for url in (
        "sqlite+aiosqlite:///./chirp.db",
        "postgresql+asyncpg://chirp@/chirp?host=/tmp",
        "postgresql+asyncpg://chirp:pw@/chirp?host=db1:5432&host=db2:5432"
        "&target_session_attrs=read-write",
    ):
        assert AppConfig.from_env({**base, "CHIRP_DATABASE_URL": url}).database_url == url


def test_database_timeouts_have_defaults_and_are_read_and_checked() -> None:
    base = {"CHIRP_JWT_SECRET": "x" * 32}
    defaults = AppConfig.from_env(base)
    assert (defaults.db_connect_timeout, defaults.db_statement_timeout) == (5.0, 10.0)
    assert defaults.db_pool_timeout == 5.0
    config = AppConfig.from_env(
        {
            **base,
            "CHIRP_DB_CONNECT_TIMEOUT": "2",
            "CHIRP_DB_STATEMENT_TIMEOUT": "0.5",
            "CHIRP_DB_POOL_TIMEOUT": "3",
        }
    )
    assert (config.db_connect_timeout, config.db_statement_timeout) == (2.0, 0.5)
    assert config.db_pool_timeout == 3.0
    for bad in ("0", "-1", "soon", "inf", "nan"):
        with pytest.raises(ConfigError, match="CHIRP_DB_STATEMENT_TIMEOUT"):
            AppConfig.from_env({**base, "CHIRP_DB_STATEMENT_TIMEOUT": bad})


REFUSED_STORE = r"^CHIRP_MEDIA_STORE .*; give e\.g\. 's3://"


def test_the_media_store_is_read_and_checked() -> None:
    base = {"CHIRP_JWT_SECRET": "s" * 40}
    assert AppConfig.from_env(base).media_store is None
    assert AppConfig.from_env({**base, "CHIRP_MEDIA_STORE": ""}).media_store is None
    store = AppConfig.from_env(
        {
            **base,
            "CHIRP_MEDIA_STORE": "s3://chirp-media?endpoint=http://10.0.0.5:8333&region=eu-west-1",
        }
    ).media_store
    assert store == MediaStore("chirp-media", "http://10.0.0.5:8333", "eu-west-1")
    assert AppConfig.from_env({**base, "CHIRP_MEDIA_STORE": "s3://chirp-media"}).media_store == (
        MediaStore("chirp-media")
    )
    for bad in (
        "chirp-media",
        "http://chirp-media",
        "s3://",
        "s3://Chirp_Media",
        "s3://chirp-media/prefix",
        "s3://chirp-media?endpoint=10.0.0.5:8333",
        "s3://chirp-media?endpoint=http://10.0.0.5:8333/path",
        "s3://chirp-media?endpoint=http://10.0.0.5:port",
        "s3://chirp-media?bucket=other",
        "s3://chirp-media?region=",
        "s3://chirp-media?region=a&region=b",
        "s3://chirp-media?region",
    ):
        with pytest.raises(ConfigError, match=REFUSED_STORE) as refused:
            AppConfig.from_env({**base, "CHIRP_MEDIA_STORE": bad})
        assert "\n" not in str(refused.value)


def test_read_replicas_are_read_and_checked() -> None:
    primary = "postgresql+asyncpg://chirp:secret@db1/chirp"
    base = {"CHIRP_JWT_SECRET": "s" * 40, "CHIRP_DATABASE_URL": primary}
    assert AppConfig.from_env(base).read_replica_urls == ()
    replicas = (
        "postgresql+asyncpg://chirp:secret@db2/chirp, postgresql+asyncpg://chirp:secret@db3/chirp"
    )
    assert AppConfig.from_env({**base, "CHIRP_READ_REPLICA_URLS": replicas}).read_replica_urls == (
        "postgresql+asyncpg://chirp:secret@db2/chirp",
        "postgresql+asyncpg://chirp:secret@db3/chirp",
    )
    refusals = [
        ({**base, "CHIRP_READ_REPLICA_URLS": "db2:5432"}, "an entry of CHIRP_READ_REPLICA_URLS"),
        (
            {**base, "CHIRP_READ_REPLICA_URLS": "sqlite+aiosqlite:///replica.db"},
            "an entry of CHIRP_READ_REPLICA_URLS",
        ),
        (
            {
                **base,
                "CHIRP_DATABASE_URL": "sqlite+aiosqlite:///chirp.db",
                "CHIRP_READ_REPLICA_URLS": "postgresql+asyncpg://chirp:secret@db2/chirp",
            },
            "needs a PostgreSQL CHIRP_DATABASE_URL",
        ),
    ]
    for environ, message in refusals:
        with pytest.raises(ConfigError, match=message) as refused:
            AppConfig.from_env(environ)
        assert "secret" not in str(refused.value)
        assert "\n" not in str(refused.value)
