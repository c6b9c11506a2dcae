"""Keyset pagination: opaque cursors over a strictly decreasing integer key."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from domain.errors import InvalidCursor, ValidationError

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_MAX_KEY = 2**63 - 1
_PREFIX = "k1:"
_MAX_CURSOR_LENGTH = 64


def encode_cursor(key: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    if len(cursor) > _MAX_CURSOR_LENGTH:
        raise InvalidCursor
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        raw = base64.b64decode(padded, altchars=b"-_", validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidCursor from error
    digits = raw.removeprefix(_PREFIX)
    if not raw.startswith(_PREFIX) or not digits.isdigit() or len(digits) > len(str(_MAX_KEY)):
        raise InvalidCursor
    key = int(digits)
    if not 0 < key <= _MAX_KEY or encode_cursor(key) != cursor:
        raise InvalidCursor  # only the exact strings this API gives out
    return key


def check_limit(limit: int) -> int:
    """``limit`` if it is 1..MAX_PAGE_SIZE; a validation error on ``limit`` otherwise."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationError.single("limit", f"must be between 1 and {MAX_PAGE_SIZE}")
    return limit


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Up to ``limit`` items after ``cursor`` (from the previous page), or from the start.

    Both are checked here, before any use case reads: a limit out of range is a validation
    error, a cursor this API did not give out is ``InvalidCursor``.
    """

    limit: int = DEFAULT_PAGE_SIZE
    cursor: str | None = None
    # Only keys below this one (None: from the newest): the cursor's key.
    before: int | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        check_limit(self.limit)
        if self.cursor is not None:
            object.__setattr__(self, "before", decode_cursor(self.cursor))

    @property
    def after(self) -> int | None:
        """For a list oldest (smallest key) first: only keys above this one, the cursor's."""
        return self.before

    @property
    def fetch(self) -> int:
        """How many rows to ask for: one more than a page, to know whether another follows."""
        return self.limit + 1


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def page_of(rows: Sequence[tuple[int, T]], request: PageRequest) -> Page[T]:
    """The page from ``request.fetch`` rows of (key, item) in the list's order (newest,
    largest key, first; or oldest first, keys above ``request.after``)."""
    items = [item for _, item in rows[: request.limit]]
    has_more = len(rows) > request.limit
    next_cursor = encode_cursor(rows[request.limit - 1][0]) if has_more else None
    return Page(items=items, next_cursor=next_cursor)
