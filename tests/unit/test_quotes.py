"""Quotes: a tweet quoting another embeds it one level deep, the original counts its quotes,
and ``ListQuotes`` pages them newest first."""

from __future__ import annotations

import pytest

from application.derived.fold_counts import RepairCounts
from application.pagination import Page, PageRequest
from application.ports.tweet_reader import TweetView
from application.use_cases.build_feed import BuildFeedQuery
from application.use_cases.list_quotes import ListQuotes, ListQuotesQuery
from application.use_cases.list_tag_tweets import ListTagTweets, ListTagTweetsQuery
from application.use_cases.list_user_tweets import ListUserTweets, ListUserTweetsQuery
from application.use_cases.post_tweet import PostTweetCommand
from domain.errors import TweetNotFound, ValidationError
from domain.users import User
from tests.unit.world import InRequest, World, walk


async def quote(world: World, author: User, tweet_id: int, text: str = "so true") -> TweetView:
    return await world.post_tweet(PostTweetCommand(author.id, text, quoted_tweet_id=tweet_id))


async def quotes_page(
    world: World, tweet_id: int, request: PageRequest, viewer: User | None = None
) -> Page[TweetView]:
    query = ListQuotesQuery(tweet_id, request, None if viewer is None else viewer.id)
    return await InRequest(world.container, ListQuotes)(query)


async def test_a_quote_embeds_the_original_as_its_author_sees_it(
    world: World, ann: User, ben: User
) -> None:
    original = await world.post(ann, "#cats @ben")
    await world.like(ben, original.id)

    posted = await quote(world, ben, original.id)

    assert posted.quoted_tweet_id == original.id
    assert posted.quoted is not None
    assert (posted.quoted.id, posted.quoted.text) == (original.id, "#cats @ben")
    assert posted.quoted.liked_by_me is True
    assert posted.quoted.quote_count == 1  # this quote, at once
    assert [user.username for user in posted.quoted.mentions] == ["ben"]
    assert posted.quoted.hashtags == ("cats",)
    read = await world.tweet_as_seen_by(posted.id, None)
    assert read.quoted is not None
    assert (read.quoted.id, read.quoted.liked_by_me) == (original.id, None)


async def test_a_quote_of_a_quote_embeds_one_level_only(
    world: World, ann: User, ben: User, cat: User
) -> None:
    original = await world.post(ann, "first")
    middle = await quote(world, ben, original.id)

    outer = await quote(world, cat, middle.id)

    assert outer.quoted is not None
    assert (outer.quoted.id, outer.quoted.quoted_tweet_id) == (middle.id, original.id)
    assert outer.quoted.quoted is None
    read = await world.tweet_as_seen_by(outer.id, cat)
    assert read.quoted is not None
    assert (read.quoted.quoted_tweet_id, read.quoted.quoted) == (original.id, None)


async def test_a_quote_of_a_missing_tweet_is_not_found_and_stores_nothing(
    world: World, ann: User
) -> None:
    before = world.stored_tweet_ids()

    with pytest.raises(TweetNotFound):
        await quote(world, ann, 999_999)

    assert world.stored_tweet_ids() == before


@pytest.mark.parametrize("bad", [0, -1, 2**63])
async def test_a_quoted_tweet_id_must_be_a_positive_id(world: World, ann: User, bad: int) -> None:
    with pytest.raises(ValidationError) as raised:
        await quote(world, ann, bad)

    assert raised.value.errors[0].field == "quoted_tweet_id"


async def test_a_quote_needs_text(world: World, ann: User) -> None:
    original = await world.post(ann, "first")

    with pytest.raises(ValidationError):
        await quote(world, ann, original.id, text="  ")


async def test_deleting_the_original_keeps_the_quote_with_null_embedded(
    world: World, ann: User, ben: User
) -> None:
    original = await world.post(ann, "soon gone")
    posted = await quote(world, ben, original.id)

    await world.delete(ann, original.id)

    read = await world.tweet_as_seen_by(posted.id, ben)
    assert (read.quoted_tweet_id, read.quoted) == (original.id, None)
    with pytest.raises(TweetNotFound):
        await quotes_page(world, original.id, PageRequest())


async def test_quote_count_counts_quotes_and_forgets_deleted_ones(
    world: World, ann: User, ben: User, cat: User
) -> None:
    original = await world.post(ann, "quote me")
    first = await quote(world, ben, original.id)
    await quote(world, cat, original.id)
    await world.run_workers()
    assert (await world.tweet_as_seen_by(original.id, None)).quote_count == 2

    await world.delete(ben, first.id)
    await world.run_workers()

    assert (await world.tweet_as_seen_by(original.id, None)).quote_count == 1
    async with world.container() as request:
        assert await (await request.get(RepairCounts))() == []


async def test_repair_recounts_quotes(world: World, ann: User, ben: User) -> None:
    original = await world.post(ann, "quote me")
    await quote(world, ben, original.id)
    world.store.tweets[original.id].quote_count = 7

    async with world.container() as request:
        drifts = await (await request.get(RepairCounts))()

    assert [(d.counter, d.subject_id, d.stored, d.actual) for d in drifts] == [
        ("tweets.quote_count", original.id, 7, 1)
    ]
    assert (await world.tweet_as_seen_by(original.id, None)).quote_count == 1


async def test_every_list_of_tweets_embeds_quoted_tweets(
    world: World, ann: User, ben: User
) -> None:
    original = await world.post(ann, "original")
    posted = await quote(world, ben, original.id, "#q quoting")
    await world.follow(ann, "ben")
    await world.run_workers()

    feed = await world.build_feed(BuildFeedQuery(ann.id, PageRequest()))
    user_tweets = await InRequest(world.container, ListUserTweets)(
        ListUserTweetsQuery("ben", PageRequest())
    )
    tagged = await InRequest(world.container, ListTagTweets)(ListTagTweetsQuery("q", PageRequest()))
    assert [item.id for item in feed.items] == [posted.id, original.id]  # and ann's own
    for items in (feed.items[:1], user_tweets.items, tagged.items):
        (item,) = items
        assert item.id == posted.id
        assert item.quoted is not None
        assert item.quoted.id == original.id


async def test_quotes_are_listed_newest_first_in_pages_without_repeats_or_gaps(
    world: World, ann: User, ben: User, cat: User
) -> None:
    original = await world.post(ann, "quote me")
    await world.post(ben, "not a quote")
    quoted = [(await quote(world, ben if i % 2 else cat, original.id)).id for i in range(7)]
    inserted: list[int] = []

    async def quote_more() -> None:
        inserted.append((await quote(world, cat, original.id)).id)

    pages = await walk(lambda request: quotes_page(world, original.id, request, ann), 3, quote_more)

    assert [tweet.id for page in pages for tweet in page.items] == quoted[::-1]
    assert all(
        tweet.quoted is not None and tweet.quoted.id == original.id
        for page in pages
        for tweet in page.items
    )
    assert inserted
    fresh = await quotes_page(world, original.id, PageRequest(100))
    assert [tweet.id for tweet in fresh.items] == inserted[::-1] + quoted[::-1]


async def test_quotes_of_a_tweet_nobody_quoted_is_an_empty_page(world: World, ann: User) -> None:
    original = await world.post(ann, "alone")

    page = await quotes_page(world, original.id, PageRequest())

    assert (page.items, page.next_cursor) == ([], None)


@pytest.mark.parametrize("tweet_id", [0, -5, 424_242])
async def test_quotes_of_a_missing_tweet_are_not_found(world: World, tweet_id: int) -> None:
    with pytest.raises(TweetNotFound):
        await quotes_page(world, tweet_id, PageRequest())
