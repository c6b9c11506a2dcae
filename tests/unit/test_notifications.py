"""Notifications on the in-memory adapters, made by the workers from the write path's
events: dedup, deletion, the unread count and marking read, and the mute's terms."""

from __future__ import annotations

from datetime import timedelta

from application.pagination import PageRequest
from application.use_cases.count_unread_notifications import CountUnreadNotifications
from application.use_cases.list_notifications import ListNotifications, ListNotificationsQuery
from application.use_cases.mark_notifications_read import MarkNotificationsRead, MarkReadCommand
from application.use_cases.mute_user import MuteCommand, MuteUser
from domain.relationships import MuteTerms
from domain.users import User
from tests.unit.world import InRequest, World


async def notified(world: World, user: User) -> list[tuple[str, str, bool]]:
    await world.run_workers()
    query = ListNotificationsQuery(user.id, PageRequest(100))
    page = await InRequest(world.container, ListNotifications)(query)
    return [(n.type.value, n.actor.username, n.read) for n in page.items]


async def unread(world: World, user: User) -> int:
    await world.run_workers()
    return await InRequest(world.container, CountUnreadNotifications)(user.id)


async def mark_read(world: World, user: User, up_to_id: int | None = None) -> None:
    await InRequest(world.container, MarkNotificationsRead)(MarkReadCommand(user.id, up_to_id))


async def test_like_unlike_like_makes_one_notification_which_stays(
    world: World, ann: User, ben: User
) -> None:
    tweet = await world.post(ann)
    for _ in range(3):
        await world.like(ben, tweet.id)
        await world.unlike(ben, tweet.id)
    assert await notified(world, ann) == [("like", "ben", False)]
    assert await unread(world, ann) == 1


async def test_a_deleted_tweet_takes_its_notifications_and_their_count(
    world: World, ann: User, ben: User
) -> None:
    tweet = await world.post(ann)
    await world.follow(ben, "ann")
    await world.like(ben, tweet.id)
    assert await unread(world, ann) == 2
    await world.delete(ann, tweet.id)
    assert await notified(world, ann) == [("follow", "ben", False)]
    assert await unread(world, ann) == 1


async def test_marking_read_up_to_an_id_and_then_all(
    world: World, ann: User, ben: User, cat: User
) -> None:
    await world.follow(ben, "ann")
    await world.follow(cat, "ann")
    assert await unread(world, ann) == 2
    oldest = min(world.store.notifications)
    await mark_read(world, ann, oldest)
    assert await notified(world, ann) == [("follow", "cat", False), ("follow", "ben", True)]
    assert await unread(world, ann) == 1
    await mark_read(world, ann, 1)  # never back
    assert await unread(world, ann) == 1
    await mark_read(world, ann)
    assert await unread(world, ann) == 0
    await world.like(ben, (await world.post(ann)).id)
    assert await unread(world, ann) == 1


async def test_a_mute_with_notifications_hides_them_until_it_ends(
    world: World, ann: User, ben: User
) -> None:
    await world.follow(ben, "ann")
    terms = MuteTerms(duration_seconds=60, notifications=False)
    await InRequest(world.container, MuteUser)(MuteCommand(ann.id, "ben", terms))
    assert await unread(world, ann) == 1  # a mute without notifications leaves them
    terms = MuteTerms(duration_seconds=60)
    await InRequest(world.container, MuteUser)(MuteCommand(ann.id, "ben", terms))
    assert await notified(world, ann) == []
    assert await unread(world, ann) == 0
    world.clock.advance(timedelta(seconds=60))
    assert await notified(world, ann) == [("follow", "ben", False)]
    assert await unread(world, ann) == 1
