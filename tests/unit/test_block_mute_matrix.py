"""The block and mute matrix of API.md, on the in-memory adapters: the table is the spec.

One row per list a reader can ask for, one column per relation between the reader (ann)
and the other account (ben); each cell says whether ben, or ben's tweet, shows on that list
(``shown`` / ``hidden``), or how the request is refused. cat is a third account whose lists
hold ben's doings (ben follows, likes, reposts, replies to and quotes cat's tweet).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from application.pagination import PageRequest
from application.use_cases.block_user import BlockCommand, BlockUser
from application.use_cases.bookmark_tweet import BookmarkCommand, BookmarkTweet
from application.use_cases.build_feed import BuildFeed, BuildFeedQuery
from application.use_cases.get_tweet_context import GetTweetContext, GetTweetContextQuery
from application.use_cases.list_blocks import OwnListQuery
from application.use_cases.list_bookmarks import ListBookmarks
from application.use_cases.list_follows import ListFollowers, ListFollowsQuery
from application.use_cases.list_likers import ListLikers, ListLikersQuery
from application.use_cases.list_notifications import ListNotifications, ListNotificationsQuery
from application.use_cases.list_quotes import ListQuotes, ListQuotesQuery
from application.use_cases.list_replies import ListReplies, ListRepliesQuery
from application.use_cases.list_reposters import ListReposters, ListRepostersQuery
from application.use_cases.list_tag_tweets import ListTagTweets, ListTagTweetsQuery
from application.use_cases.list_user_tweets import ListUserTweets, ListUserTweetsQuery
from application.use_cases.mute_user import MuteCommand, MuteUser
from application.use_cases.post_tweet import PostTweetCommand
from application.use_cases.repost_tweet import RepostCommand, RepostTweet
from application.use_cases.search_tweets import SearchTweets, SearchTweetsQuery
from domain.errors import Blocked, TweetNotFound
from domain.relationships import MuteTerms
from domain.users import User
from tests.unit.world import InRequest, World

SHOWN, HIDDEN, FORBIDDEN, NOT_FOUND = "shown", "hidden", "403 blocked", "404"
RELATIONS = ("ann blocks ben", "ben blocks ann", "ann mutes ben", "ann's mute of ben ended")

# list -> what ann sees of ben under each relation, in the order of RELATIONS
MATRIX = {
    "ann's feed (ben's tweet, cat's repost of it)": (HIDDEN, HIDDEN, HIDDEN, SHOWN),
    "ben's tweets": (FORBIDDEN, FORBIDDEN, SHOWN, SHOWN),
    "ben's followers": (FORBIDDEN, FORBIDDEN, SHOWN, SHOWN),
    "cat's followers": (HIDDEN, HIDDEN, SHOWN, SHOWN),
    "cat's tweets with reposts": (HIDDEN, HIDDEN, SHOWN, SHOWN),
    "ben's tweet": (NOT_FOUND, NOT_FOUND, SHOWN, SHOWN),
    "cat's quote of ben's tweet": (HIDDEN, HIDDEN, SHOWN, SHOWN),
    "replies to cat's tweet": (HIDDEN, HIDDEN, SHOWN, SHOWN),
    "context of cat's tweet": (HIDDEN, HIDDEN, SHOWN, SHOWN),
    "quotes of cat's tweet": (HIDDEN, HIDDEN, SHOWN, SHOWN),
    "likers of cat's tweet": (HIDDEN, HIDDEN, SHOWN, SHOWN),
    "reposters of cat's tweet": (HIDDEN, HIDDEN, SHOWN, SHOWN),
    "tag page": (HIDDEN, HIDDEN, HIDDEN, SHOWN),
    "search": (HIDDEN, HIDDEN, HIDDEN, SHOWN),
    "ann's bookmarks": (HIDDEN, HIDDEN, SHOWN, SHOWN),
    "ann's notifications": (HIDDEN, HIDDEN, HIDDEN, SHOWN),
    "ben's profile": (SHOWN, SHOWN, SHOWN, SHOWN),
}
PAGE = PageRequest(100)


@dataclass
class Scene:
    world: World
    ann: User
    ben: User
    cat: User
    cats_tweet: int
    bens_tweet: int
    cats_quote: int

    async def run(self, kind: Any, query: Any) -> Any:
        return await InRequest(self.world.container, kind)(query)

    async def tweet_ids(self, kind: Any, query: Any) -> set[int]:
        page = await self.run(kind, query)
        return {tweet.id for tweet in page.items}

    async def bens_tweets_in(self, kind: Any, query: Any) -> bool:
        page = await self.run(kind, query)
        return any(tweet.author.id == self.ben.id for tweet in page.items)

    async def ben_in(self, kind: Any, query: Any) -> bool:
        page = await self.run(kind, query)
        return any(user.id == self.ben.id for user in page.items)


Read = Callable[[Scene], Awaitable[bool]]


async def _feed(s: Scene) -> bool:
    page = await s.run(BuildFeed, BuildFeedQuery(s.ann.id, PAGE))
    return any(t.id == s.bens_tweet for t in page.items)


async def _context(s: Scene) -> bool:
    found = await s.run(GetTweetContext, GetTweetContextQuery(s.cats_tweet, s.ann.id))
    return any(t.author.id == s.ben.id for t in found.descendants)


async def _cats_quote(s: Scene) -> bool:
    seen = await s.world.tweet_as_seen_by(s.cats_quote, s.ann)
    return seen.quoted is not None


async def _bens_tweet(s: Scene) -> bool:
    return (await s.world.tweet_as_seen_by(s.bens_tweet, s.ann)).id == s.bens_tweet


async def _notifications(s: Scene) -> bool:
    page = await s.run(ListNotifications, ListNotificationsQuery(s.ann.id, PAGE))
    return any(n.actor.id == s.ben.id for n in page.items)


async def _profile(s: Scene) -> bool:
    return (await s.world.profile("ben", s.ann)).id == s.ben.id


READS: dict[str, Read] = {
    "ann's feed (ben's tweet, cat's repost of it)": _feed,
    "ben's tweets": lambda s: s.bens_tweets_in(
        ListUserTweets, ListUserTweetsQuery("ben", PAGE, s.ann.id)
    ),
    "ben's followers": lambda s: s.run(ListFollowers, ListFollowsQuery("ben", PAGE, s.ann.id)),
    "cat's followers": lambda s: s.ben_in(ListFollowers, ListFollowsQuery("cat", PAGE, s.ann.id)),
    "cat's tweets with reposts": lambda s: s.bens_tweets_in(
        ListUserTweets, ListUserTweetsQuery("cat", PAGE, s.ann.id, include_reposts=True)
    ),
    "ben's tweet": _bens_tweet,
    "cat's quote of ben's tweet": _cats_quote,
    "replies to cat's tweet": lambda s: s.bens_tweets_in(
        ListReplies, ListRepliesQuery(s.cats_tweet, PAGE, s.ann.id)
    ),
    "context of cat's tweet": _context,
    "quotes of cat's tweet": lambda s: s.bens_tweets_in(
        ListQuotes, ListQuotesQuery(s.cats_tweet, PAGE, s.ann.id)
    ),
    "likers of cat's tweet": lambda s: s.ben_in(
        ListLikers, ListLikersQuery(s.cats_tweet, PAGE, s.ann.id)
    ),
    "reposters of cat's tweet": lambda s: s.ben_in(
        ListReposters, ListRepostersQuery(s.cats_tweet, PAGE, s.ann.id)
    ),
    "tag page": lambda s: s.bens_tweets_in(
        ListTagTweets, ListTagTweetsQuery("both", PAGE, s.ann.id)
    ),
    "search": lambda s: s.bens_tweets_in(SearchTweets, SearchTweetsQuery("zebra", PAGE, s.ann.id)),
    "ann's bookmarks": lambda s: s.bens_tweets_in(ListBookmarks, OwnListQuery(s.ann.id, PAGE)),
    "ann's notifications": _notifications,
    "ben's profile": _profile,
}


async def scene(world: World, ann: User, ben: User, cat: User) -> Scene:
    async def post(author: User, text: str, **fields: int) -> int:
        return (await world.post_tweet(PostTweetCommand(author.id, text, **fields))).id

    for follower, followee in ((ann, "cat"), (ann, "ben"), (ben, "cat"), (cat, "ben")):
        await world.follow(follower, followee)
    cats_tweet = await post(cat, "cat says #both zebra")
    await world.like(ben, await post(ann, "ann says"))
    bens_tweet = await post(ben, "ben says #both zebra")
    await post(ben, "ben replies #both zebra", in_reply_to_id=cats_tweet)
    await post(ben, "ben quotes #both zebra", quoted_tweet_id=cats_tweet)
    cats_quote = await post(cat, "cat quotes ben", quoted_tweet_id=bens_tweet)
    await world.like(ben, cats_tweet)
    for tweet_id in (cats_tweet, bens_tweet):
        await InRequest(world.container, BookmarkTweet)(BookmarkCommand(ann.id, tweet_id))
    for who, tweet_id in ((ben, cats_tweet), (cat, bens_tweet)):
        await InRequest(world.container, RepostTweet)(RepostCommand(who.id, tweet_id))
    await world.run_workers()
    return Scene(world, ann, ben, cat, cats_tweet, bens_tweet, cats_quote)


async def outcome(read: Read, s: Scene) -> str:
    try:
        found = await read(s)
    except Blocked:
        return FORBIDDEN
    except TweetNotFound:
        return NOT_FOUND
    return SHOWN if found else HIDDEN


async def relate(s: Scene, relation: str) -> None:
    world = s.world
    if relation == "ann blocks ben":
        await InRequest(world.container, BlockUser)(BlockCommand(s.ann.id, "ben"))
    elif relation == "ben blocks ann":
        await InRequest(world.container, BlockUser)(BlockCommand(s.ben.id, "ann"))
    else:
        terms = MuteTerms(duration_seconds=60)
        await InRequest(world.container, MuteUser)(MuteCommand(s.ann.id, "ben", terms))
        if relation == "ann's mute of ben ended":
            world.clock.advance(timedelta(seconds=60))
    await world.run_workers()


def test_every_list_has_a_row_of_the_matrix() -> None:
    assert set(READS) == set(MATRIX)


@pytest.mark.parametrize("relation", RELATIONS)
async def test_the_block_and_mute_matrix(
    world: World, ann: User, ben: User, cat: User, relation: str
) -> None:
    s = await scene(world, ann, ben, cat)
    before = {name: await outcome(read, s) for name, read in READS.items()}
    assert set(before.values()) == {SHOWN}, before  # every row shows ben to begin with

    await relate(s, relation)

    column = RELATIONS.index(relation)
    found = {name: await outcome(read, s) for name, read in READS.items()}
    assert found == {name: row[column] for name, row in MATRIX.items()}
