"""Configuration from environment variables (a ``.env`` file may supply them)."""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from dotenv import load_dotenv
from redis.asyncio.connection import parse_url as parse_redis_url
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./chirp.db"
# The drivers the SQL adapters run on (adapters/sql/drivers.py).
SUPPORTED_DRIVERS = frozenset({"aiosqlite", "asyncpg"})
MIN_SECRET_BYTES = 32
SECRET_FILE = "jwt-secret"

logger = logging.getLogger("chirp")


class ConfigError(Exception):
    """The configuration cannot work; the message says how to fix it."""


# Jobs a worker runs at once (`chirp worker --concurrency`, and the in-process worker's),
# each on a connection of the process's pool (20, and 10 more at most): a worker with a
# backlog keeps that many busy, and requests queue for the rest. Feeds do not wait for the
# queue (they merge in tweets not fanned out yet), so a few at once are enough.
WORKER_CONCURRENCY = 16


@dataclass(frozen=True, slots=True)
class MediaStore:
    """``CHIRP_MEDIA_STORE=s3://bucket?endpoint=...&region=...``: an S3-compatible store.
    No endpoint: AWS S3 itself; no region: the client's default (``AWS_REGION``...)."""

    bucket: str
    endpoint: str | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class RedisSentinel:
    """``CHIRP_REDIS_URL=redis+sentinel://...``: the master of ``service``, found by asking
    the Sentinels; ``username`` and ``password`` log in to the master, ``sentinel_username``
    and ``sentinel_password`` to the Sentinels."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sentinel_username: str | None = None
    sentinel_password: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class AppConfig:
    database_url: str
    jwt_secret: bytes = field(repr=False)
    media_dir: Path = Path("media")
    data_dir: Path = Path(".chirp")
    redis_url: str | None = None
    # Streaming replicas serving reads that may lag (CHIRP_READ_REPLICA_URLS); PostgreSQL.
    read_replica_urls: tuple[str, ...] = ()
    # Seconds between checks of each replica's health and lag (tests lengthen it to check
    # by hand).
    replica_probe_interval: float = 0.25
    # Where uploads live (CHIRP_MEDIA_STORE); None: files in media_dir.
    media_store: MediaStore | None = None
    # Peers whose X-Forwarded-For is believed (CHIRP_TRUSTED_PROXIES); empty: trust none.
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    # Browser origins allowed by CORS (CHIRP_CORS_ORIGINS); empty: no CORS headers at all.
    cors_origins: tuple[str, ...] = ()
    # Threads hashing passwords in this process (CHIRP_HASH_THREADS); None: one per core.
    # `chirp serve --workers N` sets it to cores / N, so the workers together run one argon2
    # at a time per core: more would only share the cores and memory among more hashes.
    hash_threads: int | None = None
    # Bounded waits on the database, so a frozen or unreachable server makes a 503 in
    # seconds instead of hanging requests: opening a connection (CHIRP_DB_CONNECT_TIMEOUT),
    # one statement (CHIRP_DB_STATEMENT_TIMEOUT; PostgreSQL) and waiting for a free pooled
    # connection (CHIRP_DB_POOL_TIMEOUT), in seconds.
    db_connect_timeout: float = 5.0
    db_statement_timeout: float = 10.0
    db_pool_timeout: float = 5.0
    # Whether the server does derived work in-process (`chirp serve`, unless --no-worker,
    # which sets CHIRP_IN_PROCESS_WORKER=0 for its workers); off for an app built directly.
    in_process_worker: bool = False
    # Bearer token for GET /metrics (CHIRP_METRICS_TOKEN); None: loopback clients only.
    metrics_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AppConfig:
        """Read ``CHIRP_*`` variables; without ``CHIRP_JWT_SECRET``, use the kept secret.

        Without ``environ``: the process's environment, after ``./.env`` (the working
        directory's, not one found beside the package) has supplied what it does not set.
        """
        if environ is None:
            load_dotenv(Path.cwd() / ".env", override=False)
            environ = os.environ
        data_dir = Path(environ.get("CHIRP_DATA_DIR", ".chirp"))
        secret = environ.get("CHIRP_JWT_SECRET")
        database_url = checked_database_url(environ.get("CHIRP_DATABASE_URL", DEFAULT_DATABASE_URL))
        return cls(
            database_url=database_url,
            read_replica_urls=checked_replica_urls(
                environ.get("CHIRP_READ_REPLICA_URLS", ""), database_url
            ),
            jwt_secret=checked_secret(secret.encode()) if secret else kept_secret(data_dir),
            media_dir=Path(environ.get("CHIRP_MEDIA_DIR", "media")),
            data_dir=data_dir,
            redis_url=checked_redis_url(environ.get("CHIRP_REDIS_URL") or None),
            media_store=parsed_media_store(environ.get("CHIRP_MEDIA_STORE") or None),
            trusted_proxies=parsed_networks(environ.get("CHIRP_TRUSTED_PROXIES", "")),
            cors_origins=parsed_origins(environ.get("CHIRP_CORS_ORIGINS", "")),
            hash_threads=_positive("CHIRP_HASH_THREADS", environ.get("CHIRP_HASH_THREADS")),
            in_process_worker=environ.get("CHIRP_IN_PROCESS_WORKER", "1") != "0",
            metrics_token=checked_metrics_token(environ.get("CHIRP_METRICS_TOKEN") or None),
            **_seconds(
                environ,
                db_connect_timeout="CHIRP_DB_CONNECT_TIMEOUT",
                db_statement_timeout="CHIRP_DB_STATEMENT_TIMEOUT",
                db_pool_timeout="CHIRP_DB_POOL_TIMEOUT",
            ),
        )


def _positive(name: str, value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{name}: {value!r} is not a positive integer")
    return int(value)


def _seconds(environ: Mapping[str, str], **names: str) -> dict[str, float]:
    """The durations set among ``names`` (field -> variable), each a positive number."""
    durations = {}
    for field_name, variable in names.items():
        value = environ.get(variable)
        if not value:
            continue
        try:
            seconds = float(value)
        except ValueError:
            seconds = 0.0
        if not 0 < seconds < float("inf"):
            raise ConfigError(f"{variable}: {value!r} is not a positive number of seconds")
        durations[field_name] = seconds
    return durations


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def parsed_networks(value: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """``CHIRP_TRUSTED_PROXIES``: comma-separated addresses and CIDR networks."""
    networks = []
    for item in _items(value):
        try:
            networks.append(ip_network(item))
        except ValueError as error:
            raise ConfigError(
                f"CHIRP_TRUSTED_PROXIES: {item!r} is not an IP address or CIDR network "
                f"({error}); give e.g. '10.0.0.1, 192.168.0.0/16, fd00::/8'"
            ) from None
    return tuple(networks)


def parsed_origins(value: str) -> tuple[str, ...]:
    """``CHIRP_CORS_ORIGINS``: comma-separated origins such as ``https://app.example.com``
    (``*`` allows any origin)."""
    origins = []
    for item in _items(value):
        if item != "*" and not _is_origin(item):
            raise ConfigError(
                f"CHIRP_CORS_ORIGINS: {item!r} is not an origin; give scheme and host "
                "(and port), without a path, e.g. 'https://app.example.com'"
            )
        origins.append(item.lower())  # browsers send scheme and host in lower case
    return tuple(origins)


# S3's bucket naming rules (3-63 lower-case letters, digits, dots and hyphens).
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_MEDIA_STORE_EXAMPLE = (
    "give e.g. 's3://chirp-media?endpoint=http://127.0.0.1:8333&region=us-east-1'"
)


def parsed_media_store(value: str | None) -> MediaStore | None:
    """``CHIRP_MEDIA_STORE``: ``s3://bucket`` with optional ``endpoint`` (an http(s) origin)
    and ``region`` query parameters; anything else is refused."""
    if value is None:
        return None

    def refuse(reason: str) -> ConfigError:
        return ConfigError(f"CHIRP_MEDIA_STORE {reason}; {_MEDIA_STORE_EXAMPLE}")

    try:
        parts = urlsplit(value)
        query = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise refuse("is not a URL") from None
    if parts.scheme != "s3":
        raise refuse("must start with s3://")
    if not _BUCKET.fullmatch(parts.netloc):
        raise refuse(f"names the bucket {parts.netloc!r}, which S3 does not allow")
    if parts.path not in ("", "/") or parts.fragment:
        raise refuse("has a path or fragment after the bucket")
    options: dict[str, str] = {}
    for key, item in query:
        if key not in ("endpoint", "region") or key in options or not item:
            raise refuse(f"has an unknown, repeated or empty parameter {key!r}")
        options[key] = item
    endpoint = options.get("endpoint")
    if endpoint is not None and not _is_origin(endpoint):
        raise refuse(f"has the endpoint {endpoint!r}, which is not http(s)://host[:port]")
    return MediaStore(parts.netloc, endpoint, options.get("region"))


SENTINEL_SCHEME = "redis+sentinel"
SENTINEL_PORT = 26379
_REDIS_SCHEMES = ("redis", "rediss", "unix")  # what redis-py reads
_SENTINEL_OPTIONS = ("sentinel_username", "sentinel_password")
_REDIS_URL_EXAMPLE = (
    "give e.g. 'redis://127.0.0.1:6379/0' or, with Sentinel, "
    "'redis+sentinel://:password@10.0.0.1:26379,10.0.0.2:26379/mymaster/0'"
)


def checked_redis_url(value: str | None) -> str | None:
    """``CHIRP_REDIS_URL``: a URL redis-py reads (``redis://``, ``rediss://``, ``unix://``)
    or ``redis+sentinel://``; the messages never repeat the URL, which may hold a password."""
    if value is None:
        return None
    if redis_sentinel(value) is None:
        if value.partition("://")[0].lower() not in _REDIS_SCHEMES:
            raise ConfigError(
                "CHIRP_REDIS_URL must start with redis://, rediss://, unix:// or "
                f"{SENTINEL_SCHEME}://; {_REDIS_URL_EXAMPLE}"
            )
        try:
            parse_redis_url(value)
        except ValueError as error:
            raise ConfigError(
                f"CHIRP_REDIS_URL is not usable ({_first_line(error)}); {_REDIS_URL_EXAMPLE}"
            ) from None
    return value


def redis_sentinel(value: str) -> RedisSentinel | None:
    """The Sentinel setup a ``redis+sentinel://`` URL names; None for any other scheme.

    ``redis+sentinel://[user][:password]@host[:port][,host[:port]...]/service[/db]``, with
    optional ``sentinel_username`` and ``sentinel_password`` query parameters: the form of
    redis-sentinel-url, prefect-redis and redisvl (redis-py reads no Sentinel URL itself).
    A Sentinel without a port listens on 26379.
    """
    scheme, separator, rest = value.partition("://")
    if not separator or scheme.lower() != SENTINEL_SCHEME:
        return None

    def refuse(reason: str) -> ConfigError:
        return ConfigError(f"CHIRP_REDIS_URL {reason}; {_REDIS_URL_EXAMPLE}")

    rest, _, fragment = rest.partition("#")
    rest, _, query = rest.partition("?")
    netloc, _, path = rest.partition("/")
    userinfo, _, hosts = netloc.rpartition("@")
    if fragment:
        raise refuse("has a fragment")
    username, colon, password = userinfo.partition(":")
    sentinels = tuple(_sentinel_address(item, refuse) for item in hosts.split(","))
    service, _, db = path.partition("/")
    if not service or "/" in db or (db and not (db.isascii() and db.isdigit())):
        raise refuse("must end with /SERVICE or /SERVICE/DB (a number), the master's name")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise refuse("has a malformed query") from None
    options: dict[str, str] = {}
    for key, item in pairs:
        if key not in _SENTINEL_OPTIONS or key in options:
            raise refuse(f"has an unknown or repeated parameter {key!r}")
        options[key] = item
    return RedisSentinel(
        sentinels=sentinels,
        service=unquote(service),
        db=int(db or 0),
        username=unquote(username) or None,
        password=unquote(password) if colon else None,
        sentinel_username=options.get("sentinel_username") or None,
        sentinel_password=options.get("sentinel_password") or None,
    )


def _sentinel_address(item: str, refuse: Callable[[str], ConfigError]) -> tuple[str, int]:
    try:
        parts = urlsplit(f"//{item}")
        port = parts.port  # raises on a port that is not a number in range
    except ValueError:
        parts, port = None, None
    if parts is None or not parts.hostname or parts.netloc != item:
        raise refuse(f"names the Sentinel {item!r}, which is not host[:port]")
    return parts.hostname, SENTINEL_PORT if port is None else port


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _is_origin(text: str) -> bool:
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises on a port that is not a number in range
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not (parts.path or parts.query or parts.fragment or "@" in parts.netloc)
    )


def checked_database_url(value: str) -> str:
    """``CHIRP_DATABASE_URL``: a URL SQLAlchemy can parse, naming one of the two drivers
    Chirp runs on (aiosqlite, asyncpg).

    The messages never repeat the URL, which may hold a password.
    """
    example = "give e.g. 'sqlite+aiosqlite:///./chirp.db' or 'postgresql+asyncpg://user:pw@host/db'"
    try:
        url = make_url(value)
        if url.port is not None and not 0 < url.port < 65536:  # raises if not a number
            raise ValueError(f"port {url.port} is out of range")
        driver = url.get_driver_name()
    except (ArgumentError, ValueError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ConfigError(f"CHIRP_DATABASE_URL is not usable ({reason}); {example}") from None
    if driver not in SUPPORTED_DRIVERS:
        raise ConfigError(
            f"CHIRP_DATABASE_URL names the driver {url.drivername!r}, but Chirp runs on "
            f"{' or '.join(sorted(SUPPORTED_DRIVERS))}; {example}"
        )
    if driver == "asyncpg":
        _check_hosts(url)
    return value


# libpq's values, which asyncpg takes.
_TARGET_SESSION_ATTRS = (
    "any", "primary", "standby", "prefer-standby", "read-write", "read-only",
)  # fmt: skip


def _check_hosts(url: URL) -> None:
    """Several hosts (``?host=h1:p1&host=h2:p2``), each with its port, as the dialect reads
    them; and a ``target_session_attrs`` asyncpg knows. Else every connection would fail."""
    example = (
        "for several hosts give e.g. 'postgresql+asyncpg://user:pw@/db"
        "?host=h1:5432&host=h2:5432&target_session_attrs=read-write'"
    )
    try:
        url.get_dialect()().create_connect_args(url)
    except (ArgumentError, ValueError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ConfigError(f"CHIRP_DATABASE_URL is not usable ({reason}); {example}") from None
    attrs = url.query.get("target_session_attrs", "any")
    if attrs not in _TARGET_SESSION_ATTRS:
        raise ConfigError(
            "CHIRP_DATABASE_URL: target_session_attrs must be one of "
            f"{', '.join(_TARGET_SESSION_ATTRS)}; {example}"
        )


def checked_replica_urls(value: str, database_url: str) -> tuple[str, ...]:
    """``CHIRP_READ_REPLICA_URLS``: comma-separated asyncpg URLs, for a PostgreSQL primary."""
    urls = tuple(_items(value))
    if not urls:
        return ()
    if make_url(database_url).get_driver_name() != "asyncpg":
        raise ConfigError(
            "CHIRP_READ_REPLICA_URLS needs a PostgreSQL CHIRP_DATABASE_URL "
            "(postgresql+asyncpg://...): replicas are PostgreSQL streaming replicas"
        )
    for url in urls:
        try:
            driver = make_url(checked_database_url(url)).get_driver_name()
        except ConfigError:
            driver = None
        if driver != "asyncpg":
            raise ConfigError(
                "an entry of CHIRP_READ_REPLICA_URLS is not usable; each must be a "
                "postgresql+asyncpg://USER:PASSWORD@HOST/DB URL (comma-separated)"
            )
    return urls


# RFC 6750's b64token: what fits in "Authorization: Bearer ..." as it is.
_BEARER_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
MIN_METRICS_TOKEN_CHARS = 16


def checked_metrics_token(token: str | None) -> str | None:
    """``CHIRP_METRICS_TOKEN``: something a scraper can send as a bearer token, and not one
    short enough to guess."""
    if token is None:
        return None
    if _BEARER_TOKEN.fullmatch(token) is None or len(token) < MIN_METRICS_TOKEN_CHARS:
        raise ConfigError(
            f"CHIRP_METRICS_TOKEN must be at least {MIN_METRICS_TOKEN_CHARS} characters of "
            "A-Z, a-z, 0-9 and -._~+/ (a bearer token); generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return token


def checked_secret(secret: bytes) -> bytes:
    if len(secret) < MIN_SECRET_BYTES:
        raise ConfigError(
            f"CHIRP_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes; "
            "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return secret


def kept_secret(data_dir: Path) -> bytes:
    """The signing key kept in the data directory, generated on first use."""
    path = data_dir / SECRET_FILE
    if not path.exists():
        logger.warning(
            "CHIRP_JWT_SECRET is not set: using a generated key kept in %s. "
            "Set CHIRP_JWT_SECRET when several machines serve Chirp.",
            path,
        )
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: when several workers start at once, one writes and the others read.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as file:
                file.write(secrets.token_urlsafe(48))
    return checked_secret(path.read_text().strip().encode())
