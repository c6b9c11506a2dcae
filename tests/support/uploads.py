"""Uploading files through the API, and what the media directory holds afterwards."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.support.api import Account

# Uploaded files are stored under random names: 22 URL-safe characters and the real type.
STORED_NAME = re.compile(r"[A-Za-z0-9_-]{22}\.(?:jpg|png|gif|webp)")


async def upload(
    client: httpx.AsyncClient,
    target: str,
    account: Account,
    data: bytes,
    filename: str = "upload.bin",
    content_type: str = "application/octet-stream",
) -> httpx.Response:
    """POST /tweets (image only) or PUT /me/avatar with ``data`` as the ``image`` file."""
    files = {"image": (filename, data, content_type)}
    if target == "tweet":
        return await client.post("/api/v1/tweets", files=files, headers=account.auth)
    return await client.put("/api/v1/me/avatar", files=files, headers=account.auth)


def media_files(directory: Path) -> set[str]:
    """Every entry of a media directory, hidden or not (none when it was never made)."""
    return {entry.name for entry in directory.iterdir()} if directory.exists() else set()


def media_name(url: str) -> str:
    """The stored file's name in an ``image_url`` or ``avatar_url``."""
    assert url.startswith("http://testserver/media/"), url
    return url.rsplit("/", 1)[1]
