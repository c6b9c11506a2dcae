"""Edits: the window and the limit (``tweet_edit_window_seconds``, ``tweet_max_edits``),
every version kept, and the history."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from adapters.memory.social import InMemoryTweetRepository
from application.ports.tweets import TweetRepository
from application.use_cases.get_tweet_history import GetTweetHistory, GetTweetHistoryQuery
from domain.errors import (
    EditLimitReached,
    EditWindowClosed,
    NotAuthor,
    TweetNotFound,
    ValidationError,
)
from domain.tweets import Tweet, TweetText, TweetVersion
from domain.users import User
from tests.support.wiring import override
from tests.unit.world import InRequest, World

WINDOW = timedelta(seconds=3600)  # the defaults
MAX_EDITS = 5


async def history(world: World, tweet_id: int) -> list[tuple[str, datetime]]:
    versions = await InRequest(world.container, GetTweetHistory)(GetTweetHistoryQuery(tweet_id))
    return [(version.text, version.created_at) for version in versions]


async def seen(world: World, tweet_id: int) -> tuple[str, datetime | None]:
    tweet = await world.tweet_as_seen_by(tweet_id, None)
    return tweet.text, tweet.edited_at


# --- the window -----------------------------------------------------------------------------


async def test_an_edit_is_allowed_until_the_window_closes(world: World, ann: User) -> None:
    tweet = await world.post(ann, "v0")
    world.clock.advance(WINDOW - timedelta(seconds=1))

    edited = await world.edit(ann, tweet.id, "v1")

    assert (edited.text, edited.edited_at) == ("v1", world.clock.now())


async def test_an_edit_when_the_window_has_closed_is_refused(world: World, ann: User) -> None:
    tweet = await world.post(ann, "v0")
    world.clock.advance(WINDOW)
    before = world.footprint()

    with pytest.raises(EditWindowClosed) as raised:
        await world.edit(ann, tweet.id, "too late")

    assert raised.value.code == "edit_window_closed"
    assert await seen(world, tweet.id) == ("v0", None)
    assert await history(world, tweet.id) == [("v0", tweet.created_at)]
    assert world.footprint() == before


# --- the limit ------------------------------------------------------------------------------


async def test_at_most_the_limit_of_edits(world: World, ann: User) -> None:
    tweet = await world.post(ann, "v0")
    for n in range(1, MAX_EDITS + 1):
        world.clock.advance(minutes=1)
        assert (await world.edit(ann, tweet.id, f"v{n}")).text == f"v{n}"

    with pytest.raises(EditLimitReached) as raised:
        await world.edit(ann, tweet.id, "one too many")

    assert raised.value.code == "edit_limit_reached"
    assert await seen(world, tweet.id) == (f"v{MAX_EDITS}", world.clock.now())
    assert len(await history(world, tweet.id)) == MAX_EDITS + 1


async def test_when_both_apply_the_limit_is_the_reason(world: World, ann: User) -> None:
    tweet = await world.post(ann, "v0")
    for n in range(1, MAX_EDITS + 1):
        await world.edit(ann, tweet.id, f"v{n}")
    world.clock.advance(WINDOW)

    with pytest.raises(EditLimitReached):
        await world.edit(ann, tweet.id, "late and one too many")


@pytest.mark.parametrize(
    ("setting", "error"),
    [("tweet_edit_window_seconds", EditWindowClosed), ("tweet_max_edits", EditLimitReached)],
)
async def test_zero_means_no_edits(setting: str, error: type[Exception]) -> None:
    world = await World.start(settings={setting: 0})
    try:
        ann = await world.member("ann")
        tweet = await world.post(ann, "v0")

        with pytest.raises(error):
            await world.edit(ann, tweet.id, "not even at once")

        assert await seen(world, tweet.id) == ("v0", None)
    finally:
        await world.close()


async def test_a_new_limit_applies_to_tweets_already_edited(
    world: World, ann: User, admin: User
) -> None:
    tweet = await world.post(ann, "v0")
    await world.edit(ann, tweet.id, "v1")
    await world.edit(ann, tweet.id, "v2")

    await world.change_settings(admin.id, tweet_max_edits=2)
    with pytest.raises(EditLimitReached):
        await world.edit(ann, tweet.id, "v3")
    await world.change_settings(admin.id, tweet_max_edits=3, tweet_edit_window_seconds=7200)

    assert (await world.edit(ann, tweet.id, "v3")).text == "v3"


@pytest.mark.parametrize("missing", ["never-existed", "deleted"])
async def test_not_found_and_not_author_come_before_the_edit_rules(
    world: World, ann: User, ben: User, missing: str
) -> None:
    tweet = await world.post(ann, "v0")
    world.clock.advance(WINDOW * 2)

    with pytest.raises(NotAuthor):
        await world.edit(ben, tweet.id, "not mine")
    if missing == "deleted":
        await world.delete(ann, tweet.id)
    with pytest.raises(TweetNotFound):
        await world.edit(ann, tweet.id if missing == "deleted" else 999_999, "gone")


async def test_text_rules_are_checked_before_the_edit_rules(world: World, ann: User) -> None:
    tweet = await world.post(ann, "v0")
    world.clock.advance(WINDOW)

    with pytest.raises(ValidationError):
        await world.edit(ann, tweet.id, "a" * 281)


# --- the same text again --------------------------------------------------------------------


async def test_the_same_text_again_is_no_edit(world: World, ann: User) -> None:
    tweet = await world.post(ann, "v0")
    world.clock.advance(minutes=1)
    edited = await world.edit(ann, tweet.id, "v1")
    world.clock.advance(minutes=1)

    again = await world.edit(ann, tweet.id, "  v1 ")

    assert (again.text, again.edited_at) == ("v1", edited.edited_at)
    assert await history(world, tweet.id) == [
        ("v0", tweet.created_at),
        ("v1", edited.edited_at),
    ]


async def test_retrying_the_last_allowed_edit_is_not_refused(world: World, ann: User) -> None:
    tweet = await world.post(ann, "v0")
    for n in range(1, MAX_EDITS + 1):
        await world.edit(ann, tweet.id, f"v{n}")
    world.clock.advance(WINDOW)

    assert (await world.edit(ann, tweet.id, f"v{MAX_EDITS}")).text == f"v{MAX_EDITS}"


# --- the history ----------------------------------------------------------------------------


async def test_a_tweet_never_edited_has_one_version(world: World, ann: User) -> None:
    tweet = await world.post(ann, "only")

    assert await history(world, tweet.id) == [("only", tweet.created_at)]


async def test_every_version_is_kept_the_original_first(world: World, ann: User) -> None:
    tweet = await world.post(ann, "v0")
    times = [tweet.created_at]
    for n in (1, 2, 3):
        world.clock.advance(minutes=n)
        times.append(world.clock.now())
        await world.edit(ann, tweet.id, f"v{n}")

    assert await history(world, tweet.id) == [
        ("v0", times[0]),
        ("v1", times[1]),
        ("v2", times[2]),
        ("v3", times[3]),
    ]
    assert await seen(world, tweet.id) == ("v3", times[3])


async def test_a_refused_edit_leaves_no_version(world: World, ann: User) -> None:
    tweet = await world.post(ann, "v0")
    await world.edit(ann, tweet.id, "v1")
    with pytest.raises(ValidationError):
        await world.edit(ann, tweet.id, "")

    assert [text for text, _ in await history(world, tweet.id)] == ["v0", "v1"]


@pytest.mark.parametrize("missing", ["never-existed", "deleted"])
async def test_the_history_of_an_unknown_tweet_is_not_found(
    world: World, ann: User, missing: str
) -> None:
    tweet_id = 999_999
    if missing == "deleted":
        tweet_id = (await world.post(ann)).id
        await world.edit(ann, tweet_id, "edited")
        await world.delete(ann, tweet_id)

    with pytest.raises(TweetNotFound):
        await history(world, tweet_id)
    assert world.store.tweet_versions == {}


# --- racing edits ---------------------------------------------------------------------------


class RacedTweetStorage(InMemoryTweetRepository):
    """Tweet storage where another request's edit is saved just before each of this
    request's first ``races`` saves (as when two edits of one tweet run at once)."""

    def __init__(self, world: World, races: int) -> None:
        super().__init__(world.store)
        self._clock = world.clock
        self._races = races

    async def record_edit(self, tweet: Tweet, replaced: TweetVersion) -> bool:
        if self._races > 0:
            self._races -= 1
            rival = await self.get(tweet.id)
            assert rival is not None
            rival_replaced = rival.edit(
                TweetText(f"rival {self._races}"),
                self._clock.now(),
                window=WINDOW,
                max_edits=MAX_EDITS,
            )
            assert rival_replaced is not None
            assert await super().record_edit(rival, rival_replaced)
        return await super().record_edit(tweet, replaced)


async def test_an_edit_raced_by_another_is_saved_after_it(world: World, ann: User) -> None:
    tweet = await world.post(ann, "v0")
    raced = await world.replacing(override(TweetRepository, RacedTweetStorage(world, races=1)))

    edited = await raced.edit(ann, tweet.id, "mine")

    assert edited.text == "mine"
    assert [text for text, _ in await history(world, tweet.id)] == ["v0", "rival 0", "mine"]


async def test_racing_edits_never_pass_the_limit(world: World, ann: User) -> None:
    tweet = await world.post(ann, "v0")
    for n in range(1, MAX_EDITS):
        await world.edit(ann, tweet.id, f"v{n}")
    raced = await world.replacing(override(TweetRepository, RacedTweetStorage(world, races=1)))

    with pytest.raises(EditLimitReached):  # the rival's was the last edit allowed
        await raced.edit(ann, tweet.id, "mine")

    texts = [text for text, _ in await history(world, tweet.id)]
    assert texts[-1] == "rival 0"
    assert len(texts) == MAX_EDITS + 1
