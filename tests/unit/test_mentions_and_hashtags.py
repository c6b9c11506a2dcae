"""Mentions and hashtags: stored with a post, recomputed by an edit, in every tweet read."""

from __future__ import annotations

from application.ports.tweet_reader import TweetView
from domain.users import User
from tests.unit.world import World


def entities(tweet: TweetView) -> tuple[list[str], list[str]]:
    return [user.username for user in tweet.mentions], list(tweet.hashtags)


async def test_a_post_lists_its_mentions_and_hashtags_in_order(
    world: World, ann: User, ben: User, cat: User
) -> None:
    posted = await world.post(ann, "@CAT and @ben: #Straße #python @cat #PYTHON")

    expected = (["cat", "ben"], ["strasse", "python"])
    assert entities(posted) == expected
    assert entities(await world.tweet_as_seen_by(posted.id, None)) == expected


async def test_only_existing_active_users_are_mentioned(
    world: World, ann: User, ben: User, cat: User
) -> None:
    world.deactivate(cat.id)

    posted = await world.post(ann, "@nobody @cat @ben")

    assert entities(posted) == (["ben"], [])
    assert entities(await world.tweet_as_seen_by(posted.id, ben)) == (["ben"], [])


async def test_a_mention_is_shown_with_the_username_as_spelled_now(world: World, ann: User) -> None:
    bob = await world.member("Bob_1")

    posted = await world.post(ann, "hi @bob_1")

    assert [user.id for user in posted.mentions] == [bob.id]
    assert [user.username for user in posted.mentions] == ["Bob_1"]


async def test_at_most_ten_of_each_the_rest_stay_text(world: World, ann: User) -> None:
    names = [f"user{i:02}" for i in range(12)]
    for name in names:
        await world.member(name)
    text = " ".join(f"@{name}" for name in names) + " " + " ".join(f"#t{i}" for i in range(12))

    posted = await world.post(ann, text)

    assert entities(posted) == (names[:10], [f"t{i}" for i in range(10)])
    assert entities(await world.tweet_as_seen_by(posted.id, None)) == entities(posted)


async def test_an_edit_recomputes_them(world: World, ann: User, ben: User, cat: User) -> None:
    posted = await world.post(ann, "@ben #old")

    edited = await world.edit(ann, posted.id, "@cat #new and #New")

    assert entities(edited) == (["cat"], ["new"])
    assert entities(await world.tweet_as_seen_by(posted.id, None)) == (["cat"], ["new"])


async def test_an_edit_to_plain_text_leaves_none(world: World, ann: User, ben: User) -> None:
    posted = await world.post(ann, "@ben #old")

    await world.edit(ann, posted.id, "nothing here")

    assert entities(await world.tweet_as_seen_by(posted.id, None)) == ([], [])


async def test_a_tweet_without_any_has_empty_lists(world: World, ann: User) -> None:
    posted = await world.post(ann, "email a@b.c, issue x#1, #123")

    assert entities(posted) == ([], [])
    assert entities(await world.tweet_as_seen_by(posted.id, None)) == ([], [])
