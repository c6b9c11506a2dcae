"""Who a new tweet, a follow, a like or a repost notifies (API.md "Notification")."""

from __future__ import annotations

import pytest

from domain.errors import ValidationError
from domain.notifications import (
    Notice,
    NotificationType,
    notice,
    notices_of_post,
    notification_types,
)

REPLY, QUOTE, MENTION = NotificationType.REPLY, NotificationType.QUOTE, NotificationType.MENTION
AUTHOR, PARENT, QUOTED = 1, 2, 3


@pytest.mark.parametrize(
    ("parent", "quoted", "mentioned", "told"),
    [
        (None, None, [], {}),
        (PARENT, None, [], {PARENT: REPLY}),
        (None, QUOTED, [], {QUOTED: QUOTE}),
        (None, None, [4, 5], {4: MENTION, 5: MENTION}),
        # A reply that also mentions the parent's author is one reply.
        (PARENT, None, [PARENT, 4], {PARENT: REPLY, 4: MENTION}),
        # Quoting and replying to one author: the reply counts.
        (PARENT, PARENT, [PARENT], {PARENT: REPLY}),
        (None, QUOTED, [QUOTED], {QUOTED: QUOTE}),
        # Never for one's own action: a reply to, quote or mention of oneself.
        (AUTHOR, AUTHOR, [AUTHOR], {}),
        (AUTHOR, None, [4, AUTHOR], {4: MENTION}),
    ],
)
def test_a_new_tweet_tells_each_recipient_once(
    parent: int | None, quoted: int | None, mentioned: list[int], told: dict[int, NotificationType]
) -> None:
    notices = notices_of_post(100, AUTHOR, parent, quoted, mentioned)
    assert {n.recipient_id: n.type for n in notices} == told
    assert len(notices) == len(told)
    assert all((n.actor_id, n.tweet_id) == (AUTHOR, 100) for n in notices)


def test_a_follow_like_or_repost_of_ones_own_tells_no_one() -> None:
    assert notice(1, NotificationType.LIKE, 1, 7) == []
    assert notice(2, NotificationType.FOLLOW, 1, None) == [
        Notice(2, NotificationType.FOLLOW, 1, None)
    ]


def test_the_types_filter_names_known_types() -> None:
    assert notification_types(None) is None
    assert notification_types("like,follow") == {NotificationType.LIKE, NotificationType.FOLLOW}
    for bad in ("", "likes", "like,", "LIKE", " reply"):
        with pytest.raises(ValidationError):
            notification_types(bad)
