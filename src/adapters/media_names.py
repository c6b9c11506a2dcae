"""The names media stores give out, shared by every ``MediaStorage`` adapter: 16 random bytes
in URL-safe base64 and the format's extension. A name is checked against exactly that shape
before any path or object key is built from it, so nothing else (``../x``, ``/etc/passwd``,
``a\\b``, NUL bytes, ...) ever reaches a filesystem or a store."""

from __future__ import annotations

import re
import secrets

from application.ports.image_processor import CONTENT_TYPES, EXTENSIONS, ProcessedImage

_NAME = re.compile(r"[A-Za-z0-9_-]{22}\.(?:jpg|png|gif|webp)")
_CONTENT_TYPES = {extension: CONTENT_TYPES[name] for name, extension in EXTENSIONS.items()}


def new_name(image: ProcessedImage) -> str:
    """A fresh random name for ``image``, with its format's extension."""
    return secrets.token_urlsafe(16) + image.extension


def content_type(name: str) -> str | None:
    """The content type of a name ``new_name`` could have given out; None for any other."""
    if not _NAME.fullmatch(name):
        return None
    return _CONTENT_TYPES[name[name.rindex(".") :]]
