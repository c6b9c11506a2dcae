"""Tweets and the rule for their text."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.errors import EditLimitReached, EditWindowClosed, ValidationError
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


@dataclass(frozen=True, slots=True)
class TweetVersion:
    """A text a tweet has had, and since when: when it was posted, or the edit that made it."""

    text: str
    created_at: datetime


@dataclass(slots=True)
class Tweet:
    author_id: int
    text: str
    created_at: datetime
    image: str | None = None
    edited_at: datetime | None = None
    like_count: int = 0
    repost_count: int = 0
    # Whether every follower's home timeline holds it: set by the workers' last fan-out
    # batch. Until then, and for good for an author with more than ``fanout_max_followers``
    # followers, feeds merge it in when they are read, so followers see it at once.
    fanned_out: bool = False
    id: int = 0
    # How many times it was edited; each edit kept the version it replaced.
    edit_count: int = 0
    # The tweet this one replies to (it may be deleted since), and that tweet's author.
    in_reply_to_id: int | None = None
    in_reply_to_user_id: int | None = None
    reply_count: int = 0  # direct replies
    # The tweet it quotes (kept when that one is deleted), and how many tweets quote it.
    quoted_tweet_id: int | None = None
    quote_count: int = 0

    @property
    def current_version(self) -> TweetVersion:
        return TweetVersion(self.text, self.edited_at or self.created_at)

    def edit(
        self, text: TweetText, now: datetime, *, window: timedelta, max_edits: int
    ) -> TweetVersion | None:
        """Replace the text, and give back the version replaced (to keep it).

        - At most ``max_edits`` edits (``edit_limit_reached``), each less than ``window``
          after posting (``edit_window_closed``): 0 for either means no edits.
        - When both apply, the limit is the reason given: the condition met first is then
          the one reported, and a tweet's reason never changes once it has one.
        - The same text again is no edit (None): nothing changes and no rule is checked, so
          a retried request neither counts twice nor fails.
        """
        if text.value == self.text:
            return None
        if self.edit_count >= max_edits:
            raise EditLimitReached
        if now - self.created_at >= window:
            raise EditWindowClosed
        replaced = self.current_version
        self.text = text.value
        self.edited_at = now
        self.edit_count += 1
        return replaced

    def is_by(self, user_id: int) -> bool:
        return self.author_id == user_id


def fans_out(followers_count: int, fanout_max_followers: int) -> bool:
    """Whether an author's new tweet is copied into every follower's timeline: not for an
    account with more followers than the limit (a post would cost O(followers))."""
    return followers_count <= fanout_max_followers


def reaches_feed_of(
    reader_id: int,
    author_id: int,
    in_reply_to_user_id: int | None,
    reader_follows_parent_author: bool,
) -> bool:
    """Whether a tweet enters the home feed of a reader who follows its author, or is it
    (Mastodon's rule for replies): a tweet that replies to nobody does; a reply only when the
    reader follows the author of the tweet replied to, or is that author, or wrote the reply."""
    return (
        in_reply_to_user_id is None
        or reader_id in (author_id, in_reply_to_user_id)
        or reader_follows_parent_author
    )


# A tweet's context (API.md "Replies"): the nearest ancestors, and the first descendants in
# depth-first order (siblings oldest first) down to a depth.
MAX_ANCESTORS = 40
MAX_DESCENDANTS = 60
MAX_DESCENDANT_DEPTH = 20
