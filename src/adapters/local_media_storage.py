from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import tempfile
from pathlib import Path

from application.ports.image_processor import CONTENT_TYPES, EXTENSIONS, ProcessedImage
from application.ports.media_storage import MediaStorage, StoredMedia

# Exactly the names ``save`` gives out: 16 random bytes in URL-safe base64, an extension.
# Checked before any path is built, so nothing else (``../x``, ``/etc/passwd``, ``a\\b``,
# NUL bytes, ...) ever reaches the filesystem.
_NAME = re.compile(r"[A-Za-z0-9_-]{22}\.(?:jpg|png|gif|webp)")
_CONTENT_TYPES = {extension: CONTENT_TYPES[name] for name, extension in EXTENSIONS.items()}
_FILE_MODE = 0o644


class LocalMediaStorage(MediaStorage):
    """Images as files in one directory, named at random; file I/O runs in worker threads.

    A file appears whole or not at all: it is written under a temporary name in the same
    directory and then renamed.
    """

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    @property
    def directory(self) -> Path:
        return self._directory

    async def save(self, image: ProcessedImage) -> str:
        name = secrets.token_urlsafe(16) + image.extension
        await asyncio.to_thread(self._write, name, image.content)
        return name

    async def read(self, name: str) -> StoredMedia | None:
        path = self._path(name)
        if path is None:
            return None
        try:
            content = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None
        return StoredMedia(content, _CONTENT_TYPES[path.suffix])

    async def delete(self, name: str) -> None:
        path = self._path(name)
        if path is not None:
            await asyncio.to_thread(path.unlink, missing_ok=True)

    def _path(self, name: str) -> Path | None:
        if not _NAME.fullmatch(name):
            return None
        return self._directory / name

    def _write(self, name: str, content: bytes) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        # The temporary name never matches _NAME, so a half-written file cannot be read.
        descriptor, temporary = tempfile.mkstemp(dir=self._directory, prefix=".", suffix=".part")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, _FILE_MODE)
            os.replace(temporary, self._directory / name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
