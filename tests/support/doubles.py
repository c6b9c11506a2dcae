"""Test doubles: stand-ins that make tests fast and deterministic, never fit for production.

They live under ``tests/`` so that no production container can import them. The in-memory
adapters of ``adapters/memory`` are another matter: fakes of the repository ports, offered
as a dishka provider to tests and to a REPL alike.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from application.errors import DependencyUnavailable
from application.ports.clock import Clock
from application.ports.image_processor import ImageProcessor, ProcessedImage
from application.ports.media_storage import MediaStorage, StoredMedia, in_one_chunk
from application.ports.password_hasher import PasswordHasher
from domain.errors import InvalidImage

FAKE_IMAGE_PREFIX = b"IMG:"


class ManualClock(Clock):
    """A clock that stands still until told to move."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, /, **parts: float) -> None:
        self._now += delta if delta is not None else timedelta(**parts)


class PlainTextPasswordHasher(PasswordHasher):
    """Instant and insecure: keeps the password itself, behind a version prefix.

    A hasher of another ``version`` stands for a deployment whose hashing parameters changed:
    it verifies older hashes and asks for them to be rehashed.
    """

    def __init__(self, version: int = 1) -> None:
        self._prefix = f"plain${version}$"

    async def hash(self, password: str) -> str:
        return self._prefix + password

    async def verify(self, password_hash: str, password: str) -> bool:
        return password_hash.split("$", 2)[-1] == password

    async def verify_dummy(self, password: str) -> None:
        return None

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(self._prefix)


class InMemoryMediaStorage(MediaStorage):
    """Stored images in a dict, named as the real storage names them. While ``down`` is set,
    every call fails as a store that cannot answer does."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}
        self.down = False

    def _answer(self) -> None:
        if self.down:
            raise DependencyUnavailable("media store", "down (test double)")

    @property
    def names(self) -> frozenset[str]:
        """Every name held now: a test checks that nothing was left behind."""
        return frozenset(self.files)

    async def save(self, image: ProcessedImage) -> str:
        self._answer()
        name = secrets.token_urlsafe(16) + image.extension
        self.files[name] = (image.content, image.content_type)
        return name

    async def read(self, name: str) -> StoredMedia | None:
        self._answer()
        if name not in self.files:
            return None
        content, kind = self.files[name]
        return StoredMedia(kind, len(content), in_one_chunk(content))

    async def delete(self, name: str) -> None:
        self._answer()
        self.files.pop(name, None)


class FakeImageProcessor(ImageProcessor):
    """A stand-in that decodes nothing.

    Bytes starting with ``b"IMG:"`` (``FAKE_IMAGE_PREFIX``) are a 1x1 PNG whose content is
    those same bytes, unchanged; anything else raises ``InvalidImage``.
    """

    async def process(self, data: bytes) -> ProcessedImage:
        if not data.startswith(FAKE_IMAGE_PREFIX):
            raise InvalidImage
        return ProcessedImage(data, "png", 1, 1)
