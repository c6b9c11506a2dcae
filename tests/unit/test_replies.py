"""Replies and threads on the in-memory adapters: in_reply_to_id, reply_count, /replies,
/context and its caps."""

from __future__ import annotations

import pytest

from application.pagination import PageRequest
from application.ports.counts import Counts
from application.use_cases.get_tweet_context import GetTweetContext, GetTweetContextQuery
from application.use_cases.list_replies import ListReplies, ListRepliesQuery
from application.use_cases.list_user_tweets import ListUserTweetsQuery
from application.use_cases.post_tweet import PostTweetCommand
from domain.errors import TweetNotFound, ValidationError
from domain.users import User
from tests.unit.world import InRequest, World


async def reply(world: World, author: User, parent: int, text: str = "re") -> int:
    view = await world.post_tweet(PostTweetCommand(author.id, text, in_reply_to_id=parent))
    return view.id


async def replies(
    world: World, tweet_id: int, limit: int = 100, cursor: str | None = None
) -> tuple[list[int], str | None]:
    page = await InRequest(world.container, ListReplies)(
        ListRepliesQuery(tweet_id, PageRequest(limit, cursor))
    )
    return [tweet.id for tweet in page.items], page.next_cursor


async def context(world: World, tweet_id: int) -> tuple[list[int], list[int]]:
    found = await InRequest(world.container, GetTweetContext)(GetTweetContextQuery(tweet_id))
    return [t.id for t in found.ancestors], [t.id for t in found.descendants]


async def test_a_reply_names_its_parent_and_its_author(world: World, ann: User, ben: User) -> None:
    parent = (await world.post(ann, "first")).id

    posted = await world.post_tweet(PostTweetCommand(ben.id, "second", in_reply_to_id=parent))

    assert (posted.in_reply_to_id, posted.in_reply_to_username) == (parent, "ann")
    shown = await world.tweet_as_seen_by(posted.id, None)
    assert (shown.in_reply_to_id, shown.in_reply_to_username) == (parent, "ann")
    assert (await world.tweet_as_seen_by(parent, None)).in_reply_to_id is None


@pytest.mark.parametrize("bad", [0, -1, 2**63])
async def test_a_reply_to_no_tweet_id_is_a_validation_error(
    world: World, ann: User, bad: int
) -> None:
    with pytest.raises(ValidationError) as raised:
        await world.post_tweet(PostTweetCommand(ann.id, "x", in_reply_to_id=bad))
    assert raised.value.errors[0].field == "in_reply_to_id"
    assert world.stored_tweet_ids() == set()


async def test_a_reply_to_a_missing_tweet_is_not_found_and_stores_nothing(
    world: World, ann: User
) -> None:
    with pytest.raises(TweetNotFound):
        await world.post_tweet(PostTweetCommand(ann.id, "x", in_reply_to_id=12345))
    assert world.stored_tweet_ids() == set()


async def test_reply_count_counts_direct_replies_and_deleting_one_uncounts_it(
    world: World, ann: User, ben: User
) -> None:
    root = (await world.post(ann)).id
    first = await reply(world, ben, root)
    await reply(world, ann, root)
    await reply(world, ben, first)  # a grandchild: not a direct reply of root

    await world.run_workers()
    assert (await world.tweet_as_seen_by(root, None)).reply_count == 2
    assert (await world.tweet_as_seen_by(first, None)).reply_count == 1

    await world.delete(ben, first)
    await world.run_workers()
    assert (await world.tweet_as_seen_by(root, None)).reply_count == 1
    async with world.container() as request:
        assert await (await request.get(Counts)).repair() == []


async def test_deleting_a_tweet_keeps_its_replies_naming_it(
    world: World, ann: User, ben: User
) -> None:
    root = (await world.post(ann)).id
    child = await reply(world, ben, root)

    await world.delete(ann, root)

    kept = await world.tweet_as_seen_by(child, None)
    assert (kept.in_reply_to_id, kept.in_reply_to_username) == (root, "ann")
    with pytest.raises(TweetNotFound):
        await replies(world, root)


async def test_replies_are_direct_oldest_first_in_pages(world: World, ann: User, ben: User) -> None:
    root = (await world.post(ann)).id
    direct = [await reply(world, ben if i % 2 else ann, root) for i in range(5)]
    await reply(world, ann, direct[0])

    first, cursor = await replies(world, root, limit=2)
    later = await reply(world, ben, root)  # added while paging: comes at the end
    second, cursor2 = await replies(world, root, limit=2, cursor=cursor)
    third, last = await replies(world, root, limit=2, cursor=cursor2)

    assert first + second + third == [*direct[:5], later]
    assert last is None


async def test_replies_of_a_missing_tweet_are_not_found(world: World) -> None:
    for missing in (0, -5, 999):
        with pytest.raises(TweetNotFound):
            await replies(world, missing)


async def test_context_walks_up_to_the_root_and_down_depth_first(
    world: World, ann: User, ben: User
) -> None:
    root = (await world.post(ann)).id
    a = await reply(world, ben, root)
    b = await reply(world, ann, a)  # the tweet asked about
    c1 = await reply(world, ben, b)
    c1a = await reply(world, ann, c1)
    c2 = await reply(world, ann, b)
    c1b = await reply(world, ben, c1)
    await reply(world, ann, root)  # a sibling branch: in neither list

    assert await context(world, b) == ([root, a], [c1, c1a, c1b, c2])
    assert (await context(world, root))[1][:6] == [a, b, c1, c1a, c1b, c2]


async def test_context_of_a_missing_tweet_is_not_found(world: World) -> None:
    with pytest.raises(TweetNotFound):
        await context(world, 4242)


async def test_a_deleted_tweet_ends_the_chain_of_ancestors_and_hides_its_replies(
    world: World, ann: User, ben: User
) -> None:
    root = (await world.post(ann)).id
    gone = await reply(world, ben, root)
    kept = await reply(world, ann, gone)
    below = await reply(world, ben, kept)

    await world.delete(ben, gone)

    assert await context(world, kept) == ([], [below])
    assert await context(world, root) == ([], [])


async def test_context_caps_ancestors_at_the_40_nearest_the_parent(world: World, ann: User) -> None:
    chain = [(await world.post(ann)).id]
    for _ in range(41):
        chain.append(await reply(world, ann, chain[-1]))
    leaf = await reply(world, ann, chain[-1])

    ancestors, _ = await context(world, leaf)

    assert ancestors == chain[-40:]


async def test_context_caps_descendants_at_20_levels_and_60_tweets(world: World, ann: User) -> None:
    root = (await world.post(ann)).id
    deep = [root]
    for _ in range(21):
        deep.append(await reply(world, ann, deep[-1]))
    wide = [await reply(world, ann, root) for _ in range(61)]

    _, descendants = await context(world, root)

    assert descendants == deep[1:21] + wide[:40]


@pytest.mark.parametrize("workers_first", [False, True])
async def test_a_reply_reaches_a_followers_feed_only_by_mastodons_rule(
    world: World, ann: User, ben: User, cat: User, workers_first: bool
) -> None:
    """Ann follows Ben and Cat, not Dan. Before the workers run, feeds merge the tweets in
    when read; after, the fan-out wrote them: the same rule both ways."""
    dan = await world.member("dan")
    await world.follow(ann, "ben")
    await world.follow(ann, "cat")
    ben_tweet = (await world.post(ben, "ben")).id
    dan_tweet = (await world.post(dan, "dan")).id
    ann_tweet = (await world.post(ann, "ann")).id
    if workers_first:
        await world.run_workers()

    cat_to_ben = await reply(world, cat, ben_tweet)  # Ann follows Ben: in
    cat_to_dan = await reply(world, cat, dan_tweet)  # Ann does not follow Dan: out
    ann_to_dan = await reply(world, ann, dan_tweet)  # her own: in
    ben_to_ann = await reply(world, ben, ann_tweet)  # to her: in
    ben_to_ben = await reply(world, ben, ben_tweet)  # Ben's own thread: in
    dan_to_ben = await reply(world, dan, ben_tweet)  # Ann does not follow Dan: out
    if workers_first:
        await world.run_workers()

    expected = [ben_to_ben, ben_to_ann, ann_to_dan, cat_to_ben, ann_tweet, ben_tweet]
    assert await world.feed_ids(ann) == expected
    await world.run_workers()
    assert await world.feed_ids(ann) == expected
    # Everyone sees the replies in the author's list and in the thread.
    assert cat_to_dan in (await context(world, dan_tweet))[1]
    assert dan_to_ben in (await context(world, ben_tweet))[1]
    assert cat_to_dan in await world.feed_ids(cat)


async def test_a_new_follow_brings_only_the_replies_the_rule_lets_in(
    world: World, ann: User, ben: User, cat: User
) -> None:
    ben_tweet = (await world.post(ben)).id
    cat_tweet = (await world.post(cat)).id
    own_thread = await reply(world, ben, ben_tweet)
    to_cat = await reply(world, ben, cat_tweet)
    await world.run_workers()

    await world.follow(ann, "ben")
    await world.run_workers()

    assert await world.feed_ids(ann) == [own_thread, ben_tweet]
    await world.follow(ann, "cat")
    await world.run_workers()
    # Following the parent's author later does not bring back what the backfill of Ben
    # left out (as Mastodon): Cat's own tweets come.
    assert to_cat not in await world.feed_ids(ann)
    assert cat_tweet in await world.feed_ids(ann)


async def test_exclude_replies_leaves_the_users_replies_out_of_their_list(
    world: World, ann: User, ben: User
) -> None:
    ben_tweet = (await world.post(ben)).id
    own = (await world.post(ann)).id
    to_ben = await reply(world, ann, ben_tweet)
    to_self = await reply(world, ann, own)

    async def listed(exclude_replies: bool) -> list[int]:
        page = await world.list_user_tweets(
            ListUserTweetsQuery("ann", PageRequest(), exclude_replies=exclude_replies)
        )
        return [tweet.id for tweet in page.items]

    assert await listed(False) == [to_self, to_ben, own]
    assert await listed(True) == [own]
