"""Notifications in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.memory.readers import InMemoryTweetReader
from adapters.memory.store import MemoryStore
from application.ports.clock import Clock
from application.ports.notifications import NotificationReader, Notifications, NotificationView
from application.ports.user_reader import UserSummary
from domain.notifications import Notice, NotificationType


class InMemoryNotifications(Notifications):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def add(self, notices: Sequence[Notice], now: datetime) -> None:
        made = set(self._store.notifications.values())
        for notice in notices:
            if notice in made:
                continue
            made.add(notice)
            notification_id = self._store.next_id()
            self._store.notifications[notification_id] = notice
            self._store.notification_times[notification_id] = now
            marks = self._store.notification_marks.setdefault(notice.recipient_id, [0, 0])
            if marks[0] < notification_id:
                marks[1] += 1

    async def remove_for_tweet(self, tweet_id: int) -> None:
        for notification_id, notice in list(self._store.notifications.items()):
            if notice.tweet_id == tweet_id:
                del self._store.notifications[notification_id]
                marks = self._store.notification_marks.setdefault(notice.recipient_id, [0, 0])
                if notification_id > marks[0]:
                    marks[1] -= 1

    async def mark_read(self, user_id: int, up_to_id: int | None) -> None:
        own = [
            i for i, notice in self._store.notifications.items() if notice.recipient_id == user_id
        ]
        marks = self._store.notification_marks.setdefault(user_id, [0, 0])
        marks[0] = max(marks[0], max(own, default=0) if up_to_id is None else up_to_id)
        marks[1] = sum(1 for i in own if i > marks[0])


class InMemoryNotificationReader(NotificationReader):
    def __init__(self, store: MemoryStore, clock: Clock) -> None:
        self._store = store
        self._tweets = InMemoryTweetReader(store, clock)

    def _shown(self, user_id: int, notice: Notice, now: datetime) -> bool:
        store = self._store
        mute = store.mutes.get((user_id, notice.actor_id))
        muted = mute is not None and mute[1].notifications and mute[1].in_force(now)
        return not (store.blocked_between(user_id, notice.actor_id) or muted)

    async def page(
        self,
        user_id: int,
        types: frozenset[NotificationType] | None,
        now: datetime,
        before: int | None,
        limit: int,
    ) -> list[tuple[int, NotificationView]]:
        read_up_to = self._store.notification_marks.get(user_id, [0, 0])[0]
        rows = []
        for notification_id in sorted(self._store.notifications, reverse=True):
            notice = self._store.notifications[notification_id]
            if notice.recipient_id != user_id or (before is not None and notification_id >= before):
                continue
            if (types is not None and notice.type not in types) or not self._shown(
                user_id, notice, now
            ):
                continue
            tweet = None
            if notice.tweet_id is not None:
                tweet = await self._tweets.tweet(notice.tweet_id, user_id)
                if tweet is None:
                    continue
            actor = self._store.users[notice.actor_id]
            rows.append(
                (
                    notification_id,
                    NotificationView(
                        notification_id,
                        notice.type,
                        self._store.notification_times[notification_id],
                        UserSummary(actor.id, actor.username, actor.avatar),
                        tweet,
                        notification_id <= read_up_to,
                    ),
                )
            )
            if len(rows) == limit:
                break
        return rows

    async def unread_count(self, user_id: int, now: datetime) -> int:
        read_up_to, unread = self._store.notification_marks.get(user_id, [0, 0])
        hidden = sum(
            1
            for notification_id, notice in self._store.notifications.items()
            if notice.recipient_id == user_id
            and notification_id > read_up_to
            and not self._shown(user_id, notice, now)
        )
        return max(0, unread - hidden)
