"""Several PostgreSQL hosts: the job worker's DSNs go to the servers the engine's
connections go to, and each host gets its own connect timeout."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from asyncpg import connect_utils  # type: ignore[import-untyped]

from adapters.sql.hosts import HostByHost, asyncpg_dsns

_UNSET = dict.fromkeys(
    (
        "host", "port", "user", "password", "passfile", "database", "ssl", "service",
        "servicefile", "direct_tls", "server_settings", "target_session_attrs", "krbsrvname",
        "gsslib",
    )
)  # fmt: skip


def as_asyncpg_reads(dsn: str) -> tuple[list[Any], Any]:
    """Where asyncpg connects with ``dsn``, and with what (its own parser, private API)."""
    addresses, parameters = connect_utils._parse_connect_dsn_and_args(dsn=dsn, **_UNSET)
    return addresses, parameters


def test_a_failover_url_gives_one_dsn_per_host_in_order_each_for_a_read_write_server() -> None:
    url = (
        "postgresql+asyncpg://chirp:p%40ss%2Fword@/chirp"
        "?host=db1.internal:5432&host=db2.internal:5433&target_session_attrs=read-write"
    )
    read = [as_asyncpg_reads(dsn) for dsn in asyncpg_dsns(url)]
    assert [addresses for addresses, _ in read] == [
        [("db1.internal", 5432)],
        [("db2.internal", 5433)],
    ]
    for _, parameters in read:
        assert (parameters.user, parameters.password, parameters.database) == (
            "chirp",
            "p@ss/word",
            "chirp",
        )
        assert parameters.target_session_attrs == "read-write"
        assert parameters.server_settings is None


@pytest.mark.parametrize(
    ("url", "addresses"),
    [
        ("postgresql+asyncpg://chirp:pw@db.internal:6432/chirp", [("db.internal", 6432)]),
        ("postgresql+asyncpg://chirp:pw@db.internal/chirp", [("db.internal", 5432)]),
        ("postgresql+asyncpg://chirp@[::1]:5432/chirp", [("::1", 5432)]),
        ("postgresql+asyncpg://chirp@/chirp?host=a,b&port=1,2", [("a", 1), ("b", 2)]),
        (
            "postgresql+asyncpg://chirp@/chirp?host=/run/postgresql&port=5433",
            ["/run/postgresql/.s.PGSQL.5433"],
        ),
    ],
)
def test_one_host_or_several_in_any_form_sqlalchemy_reads(url: str, addresses: list[Any]) -> None:
    assert [as_asyncpg_reads(dsn)[0][0] for dsn in asyncpg_dsns(url)] == addresses


def test_sqlalchemys_own_options_are_not_sent_to_the_server_as_settings() -> None:
    url = "postgresql+asyncpg://chirp@db/chirp?prepared_statement_cache_size=0&ssl=disable"
    (dsn,) = asyncpg_dsns(url)
    _, parameters = as_asyncpg_reads(dsn)
    assert parameters.server_settings is None
    assert parameters.ssl is False


@contextlib.asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """A loopback port that accepts connections and never answers (a hung server)."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()


@contextlib.asynccontextmanager
async def refusing_port() -> AsyncIterator[int]:
    """A loopback port nobody listens on (a dead server)."""
    server = await asyncio.start_server(lambda *_: None, "127.0.0.1", 0)
    port: int = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    yield port


async def test_each_host_gets_the_whole_timeout_and_the_last_error_is_raised() -> None:
    async with silent_server() as hung, refusing_port() as dead:
        started = time.monotonic()
        with pytest.raises(ConnectionRefusedError):
            await HostByHost()(
                host=["127.0.0.1", "127.0.0.1"], port=[hung, dead], user="chirp", timeout=0.3
            )
        # The hung host used up its own timeout, and the next host was still tried.
        assert 0.3 <= time.monotonic() - started < 2.0


async def test_a_hung_host_first_does_not_keep_the_worker_from_the_next() -> None:
    async with silent_server() as hung, refusing_port() as dead:
        dsns = [f"postgresql://chirp@127.0.0.1:{port}/chirp" for port in (hung, dead)]
        with pytest.raises(ConnectionRefusedError):
            await HostByHost().first([{"dsn": dsn} for dsn in dsns], seconds_each=0.3)


async def test_the_host_that_took_the_last_connection_is_tried_first() -> None:
    tried: list[str] = []
    down = {"old-primary"}

    async def connect(*, host: str, **_: Any) -> str:
        tried.append(host)
        if host in down:
            raise ConnectionRefusedError(host)
        return f"connection to {host}"

    hosts = HostByHost(connect)
    assert await hosts(host=["old-primary", "new-primary"], port=[5432, 5432]) == (
        "connection to new-primary"
    )
    assert await hosts(host=["old-primary", "new-primary"], port=[5432, 5432]) == (
        "connection to new-primary"
    )
    assert tried == ["old-primary", "new-primary", "new-primary"]

    down = {"new-primary"}  # failed over back: the next connection looks further
    assert await hosts(host=["old-primary", "new-primary"], port=[5432, 5432]) == (
        "connection to old-primary"
    )
    assert tried[3:] == ["new-primary", "old-primary"]
