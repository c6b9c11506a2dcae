from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class FannedOut:
    """What one batch of a fan-out did."""

    next_after: int | None  # the position to go on from; None: done (or nothing to do)
    full: tuple[int, ...] = ()  # readers whose timelines hold more than they keep


class HomeTimelines(Protocol):
    """Each user's home feed, kept ready as tweets are posted and follows change.

    Fan-out on write: reading a page of a feed then costs the same however many tweets
    exist and however many accounts the reader follows. The workers write the entries, the
    author's and a batch of followers' per job. Until the last batch is written (and for
    good, for a tweet not fanned out), feeds merge the tweet in when they are read.

    A timeline may keep only its newest entries (``trim``): the feed below them is then
    computed when it is read.
    """

    async def fan_out(
        self, tweet_id: int, author_id: int, after: int, limit: int, max_followers: int
    ) -> FannedOut:
        """Put the tweet in the feeds of up to ``limit`` of the author's followers, those
        past the position ``after`` (0 to start, and the author's own feed with them): the
        position to go on from, None when no follower is left (the tweet is then marked
        done) or the tweet is gone or done; and which of those timelines are due a trim.
        An author with more than ``max_followers`` followers when the fan-out starts is
        not fanned out (``domain.tweets.fans_out``): the tweet stays merged into feeds."""
        ...

    async def fan_out_repost(
        self, repost_id: int, reposter_id: int, after: int, limit: int
    ) -> FannedOut:
        """Put a reposted tweet in the feeds of up to ``limit`` of the reposter's followers,
        those past the position ``after``, at the repost's position and with the reposter
        as ``reposted_by``; but not in the feed of the tweet's author, nor of a follower of
        the author (their feed holds the tweet itself), nor of one whose feed holds the tweet
        already. What it returns: as ``fan_out``; None too when the repost is gone."""
        ...

    async def remove_repost(self, reposter_id: int, tweet_id: int, position: int) -> None:
        """Take out the feed entries a repost made (the one at ``position``), only those."""
        ...

    async def trim(self, reader_id: int) -> None:
        """Keep only the newest entries of the reader's timeline (idempotent)."""
        ...

    async def add_author(self, reader_id: int, author_id: int) -> None:
        """Put the tweets of ``author_id`` in ``reader_id``'s feed (a new follow), if the
        reader follows the author now."""
        ...

    async def remove_author(self, reader_id: int, author_id: int) -> None:
        """Take every tweet of ``author_id`` and every tweet ``author_id`` reposted out of
        ``reader_id``'s feed (an unfollow), if the reader does not follow the author now; a
        tweet of the author's that another followee's repost put there stays."""
        ...
