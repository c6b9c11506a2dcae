"""Tweets and the rule for their text."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from domain.errors import ValidationError
from domain.text import is_blank

MAX_TWEET_LENGTH = 280


@dataclass(frozen=True, slots=True)
class TweetText:
    """NFC-normalised, trimmed, at most 280 code points; empty only beside an image.

    Text that shows nothing (only whitespace and invisible characters such as U+200B or
    U+3164) is empty text.
    """

    value: str

    @classmethod
    def parse(cls, raw: str, *, has_image: bool) -> TweetText:
        text = unicodedata.normalize("NFC", raw).strip()
        if is_blank(text):
            text = ""
        if "\x00" in text:
            raise ValidationError.single("text", "must not contain NUL characters")
        if len(text) > MAX_TWEET_LENGTH:
            raise ValidationError.single(
                "text", f"must be at most {MAX_TWEET_LENGTH} characters after trimming"
            )
        if not text and not has_image:
            raise ValidationError.single("text", "must not be empty unless there is an image")
        return cls(text)


@dataclass(slots=True)
class Tweet:
    author_id: int
    text: str
    created_at: datetime
    image: str | None = None
    edited_at: datetime | None = None
    like_count: int = 0
    # Whether every follower's home timeline holds it: set by the workers' last fan-out
    # batch. Until then, and for good for an author with more than ``fanout_max_followers``
    # followers, feeds merge it in when they are read, so followers see it at once.
    fanned_out: bool = False
    id: int = 0

    def edit(self, text: TweetText, now: datetime) -> None:
        self.text = text.value
        self.edited_at = now

    def is_by(self, user_id: int) -> bool:
        return self.author_id == user_id


def fans_out(followers_count: int, fanout_max_followers: int) -> bool:
    """Whether an author's new tweet is copied into every follower's timeline: not for an
    account with more followers than the limit (a post would cost O(followers))."""
    return followers_count <= fanout_max_followers
