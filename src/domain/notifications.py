"""Notifications: who is told of what (API.md "Notification").

A notification tells ``recipient`` that ``actor`` did something: followed them (no tweet),
liked or reposted their tweet, or posted a tweet replying to, mentioning or quoting them
(the new tweet). Never for one's own action, and at most one per (type, actor, tweet) ever.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import ValidationError


class NotificationType(StrEnum):
    FOLLOW = "follow"
    LIKE = "like"
    REPOST = "repost"
    REPLY = "reply"
    MENTION = "mention"
    QUOTE = "quote"


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification to make: ``tweet_id`` is None for a follow."""

    recipient_id: int
    type: NotificationType
    actor_id: int
    tweet_id: int | None


def notices_of_post(
    tweet_id: int,
    author_id: int,
    parent_author_id: int | None,
    quoted_author_id: int | None,
    mentioned_ids: Iterable[int],
) -> list[Notice]:
    """What a new tweet tells others: a ``reply`` to the parent's author, a ``quote`` to the
    quoted tweet's author, a ``mention`` to each user mentioned. One per recipient, the
    first of reply, quote, mention (a reply that also mentions the parent's author is one
    ``reply``); none to the author."""
    told: dict[int, NotificationType] = {}
    candidates = [
        (parent_author_id, NotificationType.REPLY),
        (quoted_author_id, NotificationType.QUOTE),
        *((user_id, NotificationType.MENTION) for user_id in mentioned_ids),
    ]
    for recipient, kind in candidates:
        if recipient is not None and recipient != author_id:
            told.setdefault(recipient, kind)
    return [Notice(recipient, kind, author_id, tweet_id) for recipient, kind in told.items()]


def notice(
    recipient_id: int, kind: NotificationType, actor_id: int, tweet_id: int | None
) -> list[Notice]:
    """The notification of a follow, like or repost: none for one's own."""
    return [] if recipient_id == actor_id else [Notice(recipient_id, kind, actor_id, tweet_id)]


TYPES_PATTERN = "^({0})(,({0}))*$".format("|".join(kind.value for kind in NotificationType))


def notification_types(types: str | None) -> frozenset[NotificationType] | None:
    """The ``types`` filter of ``GET /notifications``: comma-separated names (None: all)."""
    if types is None:
        return None
    names = types.split(",")
    known = {kind.value for kind in NotificationType}
    if not names or any(name not in known for name in names):
        raise ValidationError.single(
            "types", f"must be comma-separated names among {', '.join(sorted(known))}"
        )
    return frozenset(NotificationType(name) for name in names)
