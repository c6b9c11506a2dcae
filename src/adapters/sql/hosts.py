"""Several PostgreSQL hosts in one database URL, so that every new connection finds the
current primary after a failover: SQLAlchemy's form
``postgresql+asyncpg://user:pw@/db?host=h1:5432&host=h2:5432&target_session_attrs=read-write``.

The hosts are tried one at a time, each with the whole connect timeout, as libpq does.
asyncpg's own loop over several hosts spends one timeout on all of them: a host that never
answers (a hung or partitioned old primary) would use it up, and the next host, the new
primary, would never be tried. The engine connects through a ``HostByHost``; so does the job
worker, which opens its connection with ``asyncpg.connect``, given one DSN per host
(``asyncpg_dsns``, read from the URL by the SQLAlchemy dialect itself, so both go to the same
servers).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Awaitable, Callable, Mapping, Sequence
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


Connect = Callable[..., Awaitable[Any]]


class HostByHost:
    """Opens asyncpg connections to the first of several hosts that takes one, trying them
    one at a time, each given the whole connect timeout; the host that took the last one is
    tried first (after a failover, the new primary: a new connection does not wait on the
    old one again). Called with ``asyncpg.connect``'s arguments, it is the SQLAlchemy
    dialect's ``async_creator_fn``."""

    def __init__(self, connect: Connect = asyncpg.connect) -> None:
        self._connect = connect
        self._preferred: Mapping[str, Any] | None = None

    async def __call__(self, *, host: Any = None, port: Any = None, **options: Any) -> Any:
        seconds_each = options.pop("timeout", None)
        hosts = list(host) if isinstance(host, list | tuple) else [host]
        ports = list(port) if isinstance(port, list | tuple) else [port] * len(hosts)
        attempts = [{**options, "host": h, "port": p} for h, p in zip(hosts, ports, strict=True)]
        return await self.first(attempts, seconds_each)

    async def first(
        self, attempts: Sequence[Mapping[str, Any]], seconds_each: float | None = None
    ) -> Any:
        """``connect(**attempt)`` for each attempt in turn (the one that worked last time
        first), each given ``seconds_each`` (asyncpg's default when None): the first
        connection made, else the last attempt's error."""
        limit = {} if seconds_each is None else {"timeout": seconds_each}
        error: BaseException | None = None
        for attempt in sorted(attempts, key=lambda attempt: attempt != self._preferred):
            try:
                connection = await self._connect(**attempt, **limit)
            except _NEXT_HOST as failed:
                error = failed
                continue
            self._preferred = attempt
            return connection
        raise error or ValueError("no host to connect to")


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
