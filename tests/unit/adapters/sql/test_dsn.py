"""The job worker's DSN goes to the servers the engine's connections go to."""

from __future__ import annotations

from typing import Any

import pytest
from asyncpg import connect_utils  # type: ignore[import-untyped]

from adapters.sql.dsn import asyncpg_dsn


def as_asyncpg_reads(dsn: str) -> tuple[list[Any], Any]:
    """Where asyncpg connects with ``dsn``, and with what (its own parser, private API)."""
    unset = dict.fromkeys(
        [
            "host",
            "port",
            "user",
            "password",
            "passfile",
            "database",
            "ssl",
            "service",
            "servicefile",
            "direct_tls",
            "server_settings",
            "target_session_attrs",
            "krbsrvname",
            "gsslib",
        ]
    )
    addresses, parameters = connect_utils._parse_connect_dsn_and_args(dsn=dsn, **unset)
    return addresses, parameters


def test_every_host_of_a_failover_url_is_tried_in_order_for_a_read_write_server() -> None:
    url = (
        "postgresql+asyncpg://chirp:p%40ss%2Fword@/chirp"
        "?host=db1.internal:5432&host=db2.internal:5433&target_session_attrs=read-write"
    )
    addresses, parameters = as_asyncpg_reads(asyncpg_dsn(url))
    assert addresses == [("db1.internal", 5432), ("db2.internal", 5433)]
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
        ("postgresql+asyncpg://chirp@[::1]:5432/chirp", [("::1", 5432)]),
        ("postgresql+asyncpg://chirp@/chirp?host=a,b&port=1,2", [("a", 1), ("b", 2)]),
        (
            "postgresql+asyncpg://chirp@/chirp?host=/run/postgresql&port=5433",
            ["/run/postgresql/.s.PGSQL.5433"],
        ),
    ],
)
def test_one_host_or_several_in_any_form_sqlalchemy_reads(url: str, addresses: list[Any]) -> None:
    assert as_asyncpg_reads(asyncpg_dsn(url))[0] == addresses


def test_sqlalchemys_own_options_are_not_sent_to_the_server_as_settings() -> None:
    url = "postgresql+asyncpg://chirp@db/chirp?prepared_statement_cache_size=0&ssl=disable"
    _, parameters = as_asyncpg_reads(asyncpg_dsn(url))
    assert parameters.server_settings is None
    assert parameters.ssl is False
