from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from adapters.media_names import content_type, new_name
from application.ports.image_processor import ProcessedImage
from application.ports.media_storage import MediaStorage, StoredMedia

_FILE_MODE = 0o644
CHUNK_BYTES = 256 * 1024


async def _chunks_of(file: BinaryIO) -> AsyncIterator[bytes]:
    """The file's bytes, read in worker threads; the file is closed when they end (or are
    closed early: a client that went away)."""
    try:
        while chunk := await asyncio.to_thread(file.read, CHUNK_BYTES):
            yield chunk
    finally:
        file.close()


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
        name = new_name(image)
        await asyncio.to_thread(self._write, name, image.content)
        return name

    async def read(self, name: str) -> StoredMedia | None:
        kind = content_type(name)
        if kind is None:
            return None
        try:
            file = await asyncio.to_thread(open, self._directory / name, "rb")
        except FileNotFoundError:
            return None
        size = os.fstat(file.fileno()).st_size
        return StoredMedia(kind, size, _chunks_of(file))

    async def delete(self, name: str) -> None:
        path = self._path(name)
        if path is not None:
            await asyncio.to_thread(path.unlink, missing_ok=True)

    def _path(self, name: str) -> Path | None:
        if content_type(name) is None:  # not a name media_names gives out
            return None
        return self._directory / name

    def _write(self, name: str, content: bytes) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        # The temporary name is not one media_names gives out: a half-written file is unreadable.
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
