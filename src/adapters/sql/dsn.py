"""The database URL as ``asyncpg.connect`` takes it, for the connections Chirp opens without
SQLAlchemy (the job worker's).

``CHIRP_DATABASE_URL`` may name several hosts, so that every new connection finds the
current primary after a failover: SQLAlchemy's form
``postgresql+asyncpg://user:pw@/db?host=h1:5432&host=h2:5432&target_session_attrs=read-write``.
asyncpg reads a DSN in libpq's form, where a repeated ``host`` keeps only the last one; this
renders the hosts as libpq's lists (``host=h1,h2&port=5432,5432``), read from the URL by the
SQLAlchemy dialect itself, so both kinds of connection go to the same servers.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from sqlalchemy.engine import URL, make_url

# What the SQLAlchemy dialect takes from the query string that asyncpg's DSN does not
# (asyncpg would send it to the server as a setting): dropped, or renamed.
_SQLALCHEMY_ONLY = ("prepared_statement_cache_size",)
_RENAMED = {"ssl": "sslmode"}


def asyncpg_dsn(url: URL | str) -> str:
    """``url`` (``postgresql+asyncpg://...``, one host or several) as an asyncpg DSN."""
    url = make_url(url)
    _, options = url.get_dialect()().create_connect_args(url)
    hosts, ports = _listed(options.pop("host", None)), _listed(options.pop("port", None))
    user, password = options.pop("user", None), options.pop("password", None)
    database = options.pop("database", None)
    query: list[tuple[str, str]] = []
    if hosts:
        query.append(("host", ",".join(f"[{h}]" if ":" in h else h for h in hosts)))
    if ports:
        query.append(("port", ",".join(ports)))
    for name, value in (("user", user), ("password", password)):
        if value is not None:
            query.append((name, str(value)))
    for name in _SQLALCHEMY_ONLY:
        options.pop(name, None)
    for name, value in options.items():
        values = value if isinstance(value, list | tuple) else [value]
        query.extend((_RENAMED.get(name, name), str(v)) for v in values)
    path = urllib.parse.quote(database or "", safe="")
    return f"postgresql:///{path}?{urllib.parse.urlencode(query)}"


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    values = value if isinstance(value, list | tuple) else [value]
    return [str(v) for v in values]
