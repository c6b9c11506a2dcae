"""Uploaded media: alt text, attaching uploads to a tweet, and when an upload expires."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.errors import InvalidMedia, ValidationError
from domain.text import is_blank

MAX_ALT_LENGTH = 1500
MAX_MEDIA_PER_TWEET = 4
_MEDIA_ID = re.compile(r"[A-Za-z0-9_-]{22}")


def new_media_id() -> str:
    """A fresh media id: 128 random bits, URL-safe. Not the stored object's name, so an
    image's public URL says nothing of the id that attaches or describes it."""
    return secrets.token_urlsafe(16)


def is_media_id(value: str) -> bool:
    """Whether ``value`` has the shape of an id ``new_media_id`` gives out."""
    return _MEDIA_ID.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class AltText:
    """A description of an image for who cannot see it: NFC-normalised, trimmed, at most
    1500 code points, no NUL. Text that shows nothing is no description (None)."""

    value: str | None

    @classmethod
    def parse(cls, raw: str | None) -> AltText:
        if raw is None:
            return cls(None)
        text = unicodedata.normalize("NFC", raw).strip()
        if "\x00" in text:
            raise ValidationError.single("alt", "must not contain NUL characters")
        if len(text) > MAX_ALT_LENGTH:
            raise ValidationError.single(
                "alt", f"must be at most {MAX_ALT_LENGTH} characters after trimming"
            )
        return cls(None if is_blank(text) else text)


@dataclass(slots=True)
class Media:
    """An uploaded image: unattached until a tweet of its uploader's attaches it, at one
    position (0-3) of that tweet's media."""

    id: str  # random and opaque: what the API calls it
    uploader_id: int
    name: str  # the stored object's name
    content_type: str
    width: int
    height: int
    created_at: datetime
    alt: str | None = None
    tweet_id: int | None = None
    position: int | None = None

    def is_uploaded_by(self, user_id: int) -> bool:
        return self.uploader_id == user_id

    def can_be_attached_by(self, user_id: int) -> bool:
        return self.is_uploaded_by(user_id) and self.tweet_id is None

    def has_expired(self, now: datetime, ttl: timedelta) -> bool:
        """An upload no tweet attached within ``ttl`` is deleted."""
        return self.tweet_id is None and now - self.created_at >= ttl


def media_ids_to_attach(media_ids: Sequence[str]) -> tuple[str, ...]:
    """The uploads a new tweet lists, in order: at most 4, each once (``invalid_media``)."""
    if len(media_ids) > MAX_MEDIA_PER_TWEET:
        raise InvalidMedia(f"A tweet has at most {MAX_MEDIA_PER_TWEET} media.")
    if len(set(media_ids)) != len(media_ids):
        raise InvalidMedia("media_ids lists an upload more than once.")
    return tuple(media_ids)
