"""Several PostgreSQL hosts in one database URL, so that every new connection finds the
current primary after a failover: SQLAlchemy's form
``postgresql+asyncpg://user:pw@/db?host=h1:5432&host=h2:5432&target_session_attrs=read-write``.

The hosts are tried one at a time, each with the whole connect timeout, as libpq does.
asyncpg's own loop over several hosts spends one timeout on all of them: a host that never
answers (a hung or partitioned old primary) would use it up, and the next host, the new
primary, would never be tried. The engine connects through ``connect_host_by_host``; the job
worker, which opens its connection with ``asyncpg.connect``, gets one DSN per host
(``asyncpg_dsns``, read from the URL by the SQLAlchemy dialect itself, so both go to the same
servers) and ``connect_first``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import URL, make_url

# Failures after which the next host is tried: asyncpg's own (refused, unreachable, "the
# database system is starting up"), a host that does not answer in time, and a server that
# is not what target_session_attrs asks for (a standby, for read-write).
_NEXT_HOST: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.CannotConnectNowError,
    asyncpg.TargetServerAttributeNotMatched,
)
# What the SQLAlchemy dialect takes from the query string that asyncpg's DSN does not
# (asyncpg would send it to the server as a setting): dropped, or renamed.
_SQLALCHEMY_ONLY = ("prepared_statement_cache_size",)
_RENAMED = {"ssl": "sslmode"}


async def connect_first(
    attempts: Sequence[Mapping[str, Any]], seconds_each: float | None = None
) -> asyncpg.Connection:
    """``asyncpg.connect(**attempt)`` for each attempt in turn, each given ``seconds_each``
    (asyncpg's default when None): the first connection made, else the last attempt's
    error."""
    limit = {} if seconds_each is None else {"timeout": seconds_each}
    error: BaseException | None = None
    for attempt in attempts:
        try:
            return await asyncpg.connect(**attempt, **limit)
        except _NEXT_HOST as failed:
            error = failed
    raise error or ValueError("no host to connect to")


async def connect_host_by_host(
    *, host: Any = None, port: Any = None, **options: Any
) -> asyncpg.Connection:
    """``asyncpg.connect`` as the SQLAlchemy dialect calls it (``async_creator_fn``), with
    several hosts tried one at a time, each given the whole ``timeout``."""
    seconds_each = options.pop("timeout", None)
    hosts = list(host) if isinstance(host, list | tuple) else [host]
    ports = list(port) if isinstance(port, list | tuple) else [port] * len(hosts)
    attempts = [{**options, "host": h, "port": p} for h, p in zip(hosts, ports, strict=True)]
    return await connect_first(attempts, seconds_each)


def asyncpg_dsns(url: URL | str) -> list[str]:
    """``url`` (``postgresql+asyncpg://...``) as asyncpg DSNs in libpq's form, one per host,
    in the URL's order."""
    url = make_url(url)
    _, options = url.get_dialect()().create_connect_args(url)
    hosts, ports = _listed(options.pop("host", None)), _listed(options.pop("port", None))
    query: list[tuple[str, str]] = []
    for name in ("user", "password"):
        if (value := options.pop(name, None)) is not None:
            query.append((name, str(value)))
    database = urllib.parse.quote(options.pop("database", None) or "", safe="")
    for name in _SQLALCHEMY_ONLY:
        options.pop(name, None)
    for name, value in options.items():
        query.extend((_RENAMED.get(name, name), v) for v in _listed(value))
    if not hosts:
        return [f"postgresql:///{database}?{urllib.parse.urlencode(query)}"]
    if not ports:
        ports = [""] * len(hosts)
    dsns = []
    for host, port in zip(hosts, ports, strict=True):
        address = [("host", f"[{host}]" if ":" in host else host)]
        if port:
            address.append(("port", port))
        dsns.append(f"postgresql:///{database}?{urllib.parse.urlencode([*address, *query])}")
    return dsns


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    values = value if isinstance(value, list | tuple) else [value]
    return [str(v) for v in values]
