from __future__ import annotations

import pytest

from adapters.memory.social import InMemoryTweetRepository
from application.errors import DependencyUnavailable
from application.pagination import PageRequest
from application.ports.tweets import TweetRepository
from application.use_cases.list_likers import ListLikersQuery
from application.use_cases.open_media import OpenMediaQuery
from application.use_cases.post_tweet import PostTweetCommand
from domain.errors import (
    ImageTooLarge,
    InvalidAccessToken,
    InvalidImage,
    NotAuthor,
    TweetNotFound,
    ValidationError,
)
from domain.tweets import Tweet
from domain.users import User
from tests.support.wiring import override
from tests.unit.world import World, image_bytes

E_ACUTE_DECOMPOSED = "e\u0301"  # two code points, one after NFC: "\u00e9"
DEVANAGARI_QA = "\u0958"  # one code point, two after NFC (a composition exclusion)


class BrokenTweetStorage(InMemoryTweetRepository):
    """Tweet storage whose writes fail, as when the database goes away mid-request."""

    async def add(self, tweet: Tweet) -> Tweet:
        raise DependencyUnavailable("database", "it went away")


# --- PostTweet: the text rules ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "image", "stored"),
    [
        ("a" * 280, None, "a" * 280),
        ("  \n" + "a" * 280 + " \t", None, "a" * 280),
        ("\u3000hello\u00a0", None, "hello"),
        (E_ACUTE_DECOMPOSED * 280, None, "\u00e9" * 280),
        ("😀" * 280, None, "😀" * 280),
        (DEVANAGARI_QA * 140, None, "\u0915\u093c" * 140),
        ("", image_bytes(), ""),
        (" \n\t ", image_bytes(), ""),
        ("a" * 280, image_bytes(), "a" * 280),
    ],
    ids=[
        "280",
        "280-after-trimming",
        "unicode-spaces-trimmed",
        "nfc-composes",
        "emoji-are-one-each",
        "nfc-decomposes-to-280",
        "empty-with-image",
        "blank-with-image",
        "280-with-image",
    ],
)
async def test_acceptable_text_is_stored_normalised(
    world: World, ann: User, text: str, image: bytes | None, stored: str
) -> None:
    view = await world.post(ann, text, image)

    assert view.text == stored
    assert (await world.tweet_as_seen_by(view.id, None)).text == stored
    assert world.stored_user(ann.id).tweets_count == 1


@pytest.mark.parametrize(
    ("text", "image"),
    [
        ("a" * 281, None),
        (" " + "a" * 281 + " ", None),
        (E_ACUTE_DECOMPOSED * 281, None),
        (DEVANAGARI_QA * 141, None),
        ("a" * 281, image_bytes()),
        ("", None),
        (" \n\t\u3000", None),
    ],
    ids=[
        "281",
        "281-after-trimming",
        "281-after-nfc",
        "nfc-decomposes-to-282",
        "281-with-image",
        "empty",
        "blank",
    ],
)
async def test_unacceptable_text_is_refused_and_nothing_is_stored(
    world: World, ann: User, text: str, image: bytes | None
) -> None:
    before = world.footprint()

    with pytest.raises(ValidationError) as raised:
        await world.post(ann, text, image)

    assert [e.field for e in raised.value.errors] == ["text"]
    assert world.stored_tweet_ids() == set()
    assert world.media.names == frozenset()
    assert world.stored_user(ann.id).tweets_count == 0
    assert world.footprint() == before


# --- PostTweet: images --------------------------------------------------------------------


async def test_a_tweet_with_an_image_stores_exactly_that_file(world: World, ann: User) -> None:
    data = image_bytes(100)

    view = await world.post(ann, "look", data)

    assert world.media.names == {view.image}
    assert view.image is not None
    assert view.image.endswith(".png")
    stored = await world.open_media(OpenMediaQuery(view.image))
    assert (await stored.content(), stored.content_type) == (data, "image/png")


async def test_a_tweet_without_an_image_has_none(world: World, ann: User) -> None:
    view = await world.post(ann, "words only")

    assert view.image is None
    assert world.media.names == frozenset()


@pytest.mark.parametrize("data", [b"GIF89a not really", b""], ids=["junk", "empty"])
async def test_an_invalid_image_stores_nothing(world: World, ann: User, data: bytes) -> None:
    before = world.footprint()

    with pytest.raises(InvalidImage) as raised:
        await world.post(ann, "caption", data)

    assert raised.value.code == "invalid_image"
    assert world.stored_tweet_ids() == set()
    assert world.media.names == frozenset()
    assert world.stored_user(ann.id).tweets_count == 0
    assert world.footprint() == before


@pytest.mark.parametrize(("size", "accepted"), [(1024, True), (1025, False), (4096, False)])
async def test_images_over_the_runtime_limit_are_refused(size: int, accepted: bool) -> None:
    world = await World.start(settings={"max_image_bytes": 1024})
    ann = await world.member("ann")

    if accepted:
        view = await world.post(ann, "", image_bytes(size))
        assert world.media.names == {view.image}
        return
    with pytest.raises(ImageTooLarge) as raised:
        await world.post(ann, "", image_bytes(size))
    assert raised.value.code == "request_too_large"
    assert world.stored_tweet_ids() == set()
    assert world.media.names == frozenset()


async def test_a_raised_image_limit_applies_without_a_restart(world: World, admin: User) -> None:
    ann = await world.member("ann")
    big = image_bytes(6 * 1024 * 1024)
    with pytest.raises(ImageTooLarge):
        await world.post(ann, "", big)

    await world.change_settings(admin.id, max_image_bytes=8 * 1024 * 1024)

    assert (await world.post(ann, "", big)).image in world.media.names


async def test_the_stored_image_is_deleted_when_the_tweet_cannot_be_saved(
    world: World, ann: User
) -> None:
    broken = await world.replacing(override(TweetRepository, BrokenTweetStorage(world.store)))

    with pytest.raises(DependencyUnavailable):
        await broken.post_tweet(PostTweetCommand(author_id=ann.id, text="hi", image=image_bytes()))

    assert world.media.names == frozenset()
    assert world.stored_tweet_ids() == set()


async def test_a_new_tweet_has_the_posting_time_and_no_likes(world: World, ann: User) -> None:
    view = await world.post(ann, "first")

    assert view.created_at == world.clock.now()
    assert view.edited_at is None
    assert (view.like_count, view.liked_by_me) == (0, False)
    assert (view.author.id, view.author.username) == (ann.id, "ann")


# --- GetTweet -----------------------------------------------------------------------------


async def test_get_tweet_shows_liked_by_me_only_to_a_signed_in_viewer(
    world: World, ann: User, ben: User
) -> None:
    tweet = await world.post(ann)
    await world.like(ben, tweet.id)

    seen = {
        name: (await world.tweet_as_seen_by(tweet.id, viewer)).liked_by_me
        for name, viewer in [("anonymous", None), ("ann", ann), ("ben", ben)]
    }

    assert seen == {"anonymous": None, "ann": False, "ben": True}


# --- EditTweet ----------------------------------------------------------------------------


async def test_the_author_edits_and_edited_at_records_when(world: World, ann: User) -> None:
    tweet = await world.post(ann, "frist")
    world.clock.advance(minutes=5)
    commits = world.store.commits

    edited = await world.edit(ann, tweet.id, "  first" + E_ACUTE_DECOMPOSED + " ")

    assert (edited.text, edited.edited_at) == ("first\u00e9", world.clock.now())
    assert edited.created_at == tweet.created_at
    seen = await world.tweet_as_seen_by(tweet.id, None)
    assert (seen.text, seen.edited_at) == ("first\u00e9", world.clock.now())
    assert world.store.commits == commits + 1


@pytest.mark.parametrize("who", ["ben", "admin"])
async def test_only_the_author_edits(world: World, ann: User, ben: User, who: str) -> None:
    actor = ben if who == "ben" else await world.new_admin("root")
    tweet = await world.post(ann, "mine")

    with pytest.raises(NotAuthor) as raised:
        await world.edit(actor, tweet.id, "yours now")

    assert raised.value.code == "not_author"
    seen = await world.tweet_as_seen_by(tweet.id, None)
    assert (seen.text, seen.edited_at) == ("mine", None)


@pytest.mark.parametrize(
    ("image", "text", "accepted"),
    [
        (None, "a" * 280, True),
        (None, "a" * 281, False),
        (None, "   ", False),
        (image_bytes(), "", True),
        (image_bytes(), "a" * 281, False),
    ],
)
async def test_an_edit_follows_the_text_rules(
    world: World, ann: User, image: bytes | None, text: str, accepted: bool
) -> None:
    tweet = await world.post(ann, "before", image)

    if accepted:
        assert (await world.edit(ann, tweet.id, text)).text == text
        return
    with pytest.raises(ValidationError):
        await world.edit(ann, tweet.id, text)
    seen = await world.tweet_as_seen_by(tweet.id, None)
    assert (seen.text, seen.edited_at) == ("before", None)


async def test_an_edit_keeps_the_image_and_likes(world: World, ann: User, ben: User) -> None:
    tweet = await world.post(ann, "before", image_bytes())
    await world.like(ben, tweet.id)

    edited = await world.edit(ann, tweet.id, "after")

    assert (edited.image, edited.like_count) == (tweet.image, 1)
    assert world.media.names == {tweet.image}


# --- DeleteTweet --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["author", "admin"])
async def test_the_author_or_an_admin_deletes_with_likes_feed_entries_and_image(
    world: World, ann: User, ben: User, who: str
) -> None:
    actor = ann if who == "author" else await world.new_admin("root")
    await world.follow(ben, "ann")
    kept = await world.post(ann, "kept")
    doomed = await world.post(ann, "doomed", image_bytes())
    await world.like(ben, doomed.id)
    await world.like(ann, doomed.id)
    await world.like(ben, kept.id)

    await world.delete(actor, doomed.id)

    with pytest.raises(TweetNotFound):
        await world.tweet_as_seen_by(doomed.id, None)
    assert world.stored_user(ann.id).tweets_count == 1
    assert [key for key in world.store.likes if key[1] == doomed.id] == []
    assert (await world.tweet_as_seen_by(kept.id, ben)).liked_by_me is True
    await world.run_workers()
    assert await world.feed_ids(ben) == [kept.id]
    assert await world.feed_ids(ann) == [kept.id]
    assert world.media.names == frozenset()


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("stranger", NotAuthor),
        ("demoted-admin", NotAuthor),
        ("deactivated-admin", InvalidAccessToken),
    ],
)
async def test_others_cannot_delete(
    world: World, ann: User, ben: User, who: str, error: type[Exception]
) -> None:
    actor = ben
    if who != "stranger":
        actor = await world.new_admin("root")
        if who == "demoted-admin":
            world.store.users[actor.id].is_admin = False
        else:
            world.deactivate(actor.id)
    tweet = await world.post(ann, "mine", image_bytes())
    before = world.footprint()

    with pytest.raises(error):
        await world.delete(actor, tweet.id)

    assert (await world.tweet_as_seen_by(tweet.id, None)).text == "mine"
    assert world.stored_user(ann.id).tweets_count == 1
    assert world.media.names == {tweet.image}
    assert world.footprint() == before


async def test_deleting_twice_says_not_found(world: World, ann: User) -> None:
    tweet = await world.post(ann)
    await world.delete(ann, tweet.id)

    with pytest.raises(TweetNotFound):
        await world.delete(ann, tweet.id)
    assert world.stored_user(ann.id).tweets_count == 0


# --- every use case naming a tweet --------------------------------------------------------

TWEET_ACTIONS = {
    "get": lambda w, u, t: w.tweet_as_seen_by(t, u),
    "edit": lambda w, u, t: w.edit(u, t, "x"),
    "delete": lambda w, u, t: w.delete(u, t),
    "like": lambda w, u, t: w.like(u, t),
    "unlike": lambda w, u, t: w.unlike(u, t),
    "likers": lambda w, u, t: w.list_likers(ListLikersQuery(t, PageRequest())),
}


@pytest.mark.parametrize("action", TWEET_ACTIONS)
@pytest.mark.parametrize("missing", ["never-existed", "deleted"])
async def test_an_unknown_tweet_is_not_found(
    world: World, ann: User, action: str, missing: str
) -> None:
    tweet_id = 999_999
    if missing == "deleted":
        tweet_id = (await world.post(ann)).id
        await world.delete(ann, tweet_id)
    before = world.footprint()

    with pytest.raises(TweetNotFound) as raised:
        await TWEET_ACTIONS[action](world, ann, tweet_id)

    assert raised.value.code == "tweet_not_found"
    assert world.footprint() == before
