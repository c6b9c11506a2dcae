"""Mentions and hashtags: stored with a post, recomputed by an edit, in every tweet read."""

from __future__ import annotations

import pytest

from application.pagination import Page, PageRequest
from application.ports.tweet_reader import TweetView
from application.use_cases.list_tag_tweets import ListTagTweets, ListTagTweetsQuery
from application.use_cases.list_trending_tags import ListTrendingTags, ListTrendingTagsQuery
from domain.errors import ValidationError
from domain.users import User
from tests.unit.world import InRequest, World, walk


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


# --- a tag's tweets ---------------------------------------------------------------------------


async def tag_page(world: World, tag: str, request: PageRequest) -> Page[TweetView]:
    return await InRequest(world.container, ListTagTweets)(ListTagTweetsQuery(tag, request))


async def test_a_tag_lists_its_tweets_newest_first_in_pages_without_repeats_or_gaps(
    world: World, ann: User, ben: User
) -> None:
    tagged = [(await world.post(ann if i % 2 else ben, f"#Python no. {i}")).id for i in range(7)]
    await world.post(ann, "#pythonista #py")
    inserted: list[int] = []

    async def post_more() -> None:
        inserted.append((await world.post(ann, "#python again")).id)

    pages = await walk(lambda request: tag_page(world, "python", request), 3, post_more)

    assert [tweet.id for page in pages for tweet in page.items] == tagged[::-1]
    assert inserted
    fresh = await tag_page(world, "python", PageRequest(100))
    assert [tweet.id for tweet in fresh.items] == inserted[::-1] + tagged[::-1]


async def test_a_tag_is_compared_folded(world: World, ann: User) -> None:
    posted = await world.post(ann, "#Straße")

    for name in ("strasse", "STRASSE", "Straße", "\uff33traße"):
        page = await tag_page(world, name, PageRequest())
        assert [tweet.id for tweet in page.items] == [posted.id], name


async def test_an_edit_moves_a_tweet_between_tags_and_a_delete_removes_it(
    world: World, ann: User
) -> None:
    posted = await world.post(ann, "#old")
    await world.edit(ann, posted.id, "#new")

    assert (await tag_page(world, "old", PageRequest())).items == []
    assert [t.id for t in (await tag_page(world, "new", PageRequest())).items] == [posted.id]
    await world.delete(ann, posted.id)
    assert (await tag_page(world, "new", PageRequest())).items == []


async def test_a_name_no_hashtag_can_have_is_an_empty_page(world: World, ann: User) -> None:
    await world.post(ann, "#123 #a #" + "x" * 51)

    for name in ("123", "", "a-b", "#a", "x" * 51):
        page = await tag_page(world, name, PageRequest())
        assert (page.items, page.next_cursor) == ([], None), name


# --- trending ---------------------------------------------------------------------------------


async def trending(world: World, limit: int = 10) -> list[tuple[str, int, int]]:
    await world.run_workers()
    trends = await InRequest(world.container, ListTrendingTags)(ListTrendingTagsQuery(limit))
    return [(trend.tag, trend.tweets, trend.accounts) for trend in trends]


async def test_trending_ranks_by_accounts_then_tweets_then_tag(
    world: World, ann: User, ben: User, cat: User
) -> None:
    await world.post(ann, "#Wide #deep #b")
    await world.post(ben, "#wide #a")
    await world.post(cat, "#WIDE #deep")
    for _ in range(3):
        await world.post(ann, "#deep #deep")

    assert await trending(world) == [
        ("wide", 3, 3),
        ("deep", 5, 2),
        ("a", 1, 1),
        ("b", 1, 1),
    ]
    assert await trending(world, 2) == [("wide", 3, 3), ("deep", 5, 2)]


async def test_trending_counts_only_the_last_24_hours(world: World, ann: User, ben: User) -> None:
    await world.post(ann, "#old #both")
    world.clock.advance(hours=12)
    await world.post(ben, "#new #both")
    world.clock.advance(hours=12, seconds=-1)
    assert await trending(world) == [("both", 2, 2), ("new", 1, 1), ("old", 1, 1)]

    world.clock.advance(seconds=1)  # the first post is now 24 hours old

    assert await trending(world) == [("both", 1, 1), ("new", 1, 1)]


async def test_an_edit_and_a_delete_change_the_counts(world: World, ann: User, ben: User) -> None:
    first = await world.post(ann, "#gone #stays")
    second = await world.post(ben, "#stays")
    await world.edit(ann, first.id, "#stays #new")

    assert await trending(world) == [("stays", 2, 2), ("new", 1, 1)]
    await world.delete(ben, second.id)
    assert await trending(world) == [("new", 1, 1), ("stays", 1, 1)]


async def test_a_repeated_or_late_tally_changes_nothing(world: World, ann: User) -> None:
    posted = await world.post(ann, "#one")
    await world.edit(ann, posted.id, "#two")
    jobs = list(world.store.jobs)
    world.store.jobs.extend(jobs)  # delivered twice, the post's job after the edit's
    world.store.jobs.rotate(1)

    assert await trending(world) == [("two", 1, 1)]


async def test_trending_limit_must_be_1_to_50(world: World) -> None:
    for limit in (0, 51):
        with pytest.raises(ValidationError):
            await InRequest(world.container, ListTrendingTags)(ListTrendingTagsQuery(limit))


async def test_the_tally_forgets_uses_older_than_the_window(world: World, ann: User) -> None:
    old = await world.post(ann, "#old #older")
    await world.run_workers()
    world.clock.advance(hours=24)

    recent = await world.post(ann, "#new")
    await world.run_workers()

    assert set(world.store.tag_uses) == {(recent.id, "new")}
    assert old.id in world.store.tweets
