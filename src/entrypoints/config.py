"""Configuration from environment variables (a ``.env`` file may supply them)."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import load_dotenv

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./chirp.db"
MIN_SECRET_BYTES = 32
SECRET_FILE = "jwt-secret"

logger = logging.getLogger("chirp")


class ConfigError(Exception):
    """The configuration cannot work; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class AppConfig:
    database_url: str
    jwt_secret: bytes = field(repr=False)
    media_dir: Path = Path("media")
    data_dir: Path = Path(".chirp")
    redis_url: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AppConfig:
        """Read ``CHIRP_*`` variables; without ``CHIRP_JWT_SECRET``, use the kept secret."""
        if environ is None:
            load_dotenv(override=False)
            environ = os.environ
        data_dir = Path(environ.get("CHIRP_DATA_DIR", ".chirp"))
        secret = environ.get("CHIRP_JWT_SECRET")
        return cls(
            database_url=environ.get("CHIRP_DATABASE_URL", DEFAULT_DATABASE_URL),
            jwt_secret=checked_secret(secret.encode()) if secret else kept_secret(data_dir),
            media_dir=Path(environ.get("CHIRP_MEDIA_DIR", "media")),
            data_dir=data_dir,
            redis_url=environ.get("CHIRP_REDIS_URL") or None,
        )


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
