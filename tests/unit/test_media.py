"""Media uploads (API.md "Media"): alt text, attaching uploads to tweets, and the sweep of
uploads never attached."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.derived.delete_media import DELETE_MEDIA
from application.derived.index_tweet import INDEX_TWEET
from application.derived.notify import NOTIFY_TWEET
from application.pagination import PageRequest
from application.ports.job_worker import JobWorker
from application.use_cases.build_feed import BuildFeedQuery
from application.use_cases.describe_media import DescribeMedia, DescribeMediaCommand
from application.use_cases.list_user_tweets import ListUserTweetsQuery
from application.use_cases.post_tweet import PostTweetCommand
from application.use_cases.upload_media import UploadMedia, UploadMediaCommand
from domain.errors import (
    InvalidAccessToken,
    InvalidImage,
    InvalidMedia,
    MediaNotFound,
    NotOwner,
    ValidationError,
)
from domain.media import Media
from domain.settings import RuntimeSettings
from domain.users import User
from tests.unit.world import InRequest, World, image_bytes

TTL = timedelta(seconds=RuntimeSettings().unattached_media_ttl_seconds)

# The other jobs a deletion queues (the search index, the tweet's notifications).
UNRELATED = {INDEX_TWEET, NOTIFY_TWEET}


async def upload(world: World, user: User, alt: str | None = None, size: int = 64) -> Media:
    return await InRequest(world.container, UploadMedia)(
        UploadMediaCommand(user.id, image_bytes(size), alt)
    )


async def describe(world: World, user: User, media_id: str, alt: str | None) -> Media:
    return await InRequest(world.container, DescribeMedia)(
        DescribeMediaCommand(user.id, media_id, alt)
    )


async def post(world: World, user: User, *media_ids: str, text: str = "look") -> int:
    tweet = await world.post_tweet(PostTweetCommand(user.id, text, media_ids=media_ids))
    return tweet.id


# --- UploadMedia --------------------------------------------------------------------------


async def test_an_upload_is_stored_unattached_with_its_size_and_alt(
    world: World, ann: User
) -> None:
    media = await upload(world, ann, alt="  A cat, asleep.  ")

    assert (media.alt, media.width, media.height, media.content_type) == (
        "A cat, asleep.",
        1,
        1,
        "image/png",
    )
    assert media.tweet_id is None
    assert world.media.names == {media.name}
    assert world.store.media[media.id].uploader_id == ann.id
    assert media.id != media.name.split(".")[0]  # the id is not the stored name


@pytest.mark.parametrize(
    ("alt", "stored"),
    [(None, None), ("", None), (" \u200b ", None), ("é" * 1500, "é" * 1500)],
)
async def test_alt_text_is_optional_and_blank_is_none(
    world: World, ann: User, alt: str | None, stored: str | None
) -> None:
    assert (await upload(world, ann, alt=alt)).alt == stored


@pytest.mark.parametrize("alt", ["x" * 1501, "e\u0301" * 1501, "a\x00b"])
async def test_bad_alt_text_is_refused_before_anything_is_stored(
    world: World, ann: User, alt: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await upload(world, ann, alt=alt)

    assert [error.field for error in caught.value.errors] == ["alt"]
    assert world.media.names == frozenset()
    assert world.store.media == {}


async def test_an_upload_that_is_no_image_is_refused(world: World, ann: User) -> None:
    with pytest.raises(InvalidImage):
        await InRequest(world.container, UploadMedia)(UploadMediaCommand(ann.id, b"nope"))

    assert world.media.names == frozenset()
    assert world.store.media == {}


async def test_a_deactivated_account_cannot_upload(world: World, ann: User) -> None:
    world.deactivate(ann.id)

    with pytest.raises(InvalidAccessToken):
        await upload(world, ann)


# --- DescribeMedia ------------------------------------------------------------------------


async def test_the_uploader_sets_and_clears_the_alt_text(world: World, ann: User) -> None:
    media = await upload(world, ann)

    described = await describe(world, ann, media.id, "A red bicycle")
    assert described.alt == "A red bicycle"
    assert world.store.media[media.id].alt == "A red bicycle"

    assert (await describe(world, ann, media.id, None)).alt is None
    assert world.store.media[media.id].alt is None


async def test_alt_text_of_an_attached_upload_shows_on_its_tweet(world: World, ann: User) -> None:
    media = await upload(world, ann)
    tweet_id = await post(world, ann, media.id)

    await describe(world, ann, media.id, "Now described")

    tweet = await world.tweet_as_seen_by(tweet_id, None)
    assert [m.alt for m in tweet.media] == ["Now described"]


async def test_only_the_uploader_describes_an_upload(world: World, ann: User, ben: User) -> None:
    media = await upload(world, ann, alt="mine")

    with pytest.raises(NotOwner):
        await describe(world, ben, media.id, "theirs")
    assert world.store.media[media.id].alt == "mine"


@pytest.mark.parametrize("media_id", ["A" * 22, "nope", "", "../" * 10, "A" * 500])
async def test_an_unknown_or_malformed_id_is_not_found(
    world: World, ann: User, media_id: str
) -> None:
    await upload(world, ann)
    with pytest.raises(MediaNotFound):
        await describe(world, ann, media_id, "x")


async def test_too_long_alt_text_is_refused_on_change(world: World, ann: User) -> None:
    media = await upload(world, ann, alt="kept")

    with pytest.raises(ValidationError):
        await describe(world, ann, media.id, "x" * 1501)
    assert world.store.media[media.id].alt == "kept"


# --- Attaching (PostTweet media_ids) ------------------------------------------------------


async def test_a_tweet_attaches_up_to_four_uploads_in_order(world: World, ann: User) -> None:
    uploads = [await upload(world, ann, alt=f"#{i}") for i in range(4)]
    order = [uploads[2], uploads[0], uploads[3], uploads[1]]

    posted = await world.post_tweet(
        PostTweetCommand(ann.id, "four", media_ids=tuple(m.id for m in order))
    )

    assert [m.id for m in posted.media] == [m.id for m in order]
    assert posted.image == order[0].name
    read = await world.tweet_as_seen_by(posted.id, None)
    assert read.media == posted.media
    assert read.image == order[0].name
    assert [(m.tweet_id, m.position) for m in (world.store.media[u.id] for u in order)] == [
        (posted.id, 0),
        (posted.id, 1),
        (posted.id, 2),
        (posted.id, 3),
    ]
    listed = await world.list_user_tweets(ListUserTweetsQuery("ann", PageRequest(10)))
    assert [t.media for t in listed.items] == [posted.media]


async def test_text_may_be_empty_only_with_media(world: World, ann: User) -> None:
    media = await upload(world, ann)

    tweet = await world.post_tweet(PostTweetCommand(ann.id, "  ", media_ids=(media.id,)))
    assert tweet.text == ""

    with pytest.raises(ValidationError):
        await world.post_tweet(PostTweetCommand(ann.id, "  "))


async def test_media_show_in_the_feed(world: World, ann: User, ben: User) -> None:
    await world.follow(ben, "ann")
    media = await upload(world, ann, alt="feed")
    tweet_id = await post(world, ann, media.id)
    await world.run_workers()

    page = await world.build_feed(BuildFeedQuery(ben.id, PageRequest(10)))
    assert [(t.id, [m.alt for m in t.media]) for t in page.items] == [(tweet_id, ["feed"])]


async def test_an_upload_is_attached_once(world: World, ann: User) -> None:
    media = await upload(world, ann)
    await post(world, ann, media.id)
    tweets_before = world.stored_tweet_ids()

    with pytest.raises(InvalidMedia):
        await post(world, ann, media.id)
    assert world.stored_tweet_ids() == tweets_before


async def test_someone_elses_upload_cannot_be_attached(world: World, ann: User, ben: User) -> None:
    theirs = await upload(world, ben)

    with pytest.raises(InvalidMedia):
        await post(world, ann, theirs.id)
    assert world.stored_tweet_ids() == set()
    assert world.store.media[theirs.id].tweet_id is None


@pytest.mark.parametrize("case", ["unknown", "malformed", "duplicate", "five", "one bad"])
async def test_anything_but_distinct_own_unattached_uploads_is_invalid_media(
    world: World, ann: User, case: str
) -> None:
    own = [await upload(world, ann) for _ in range(5)]
    media_ids = {
        "unknown": ("B" * 22,),
        "malformed": ("not an id",),
        "duplicate": (own[0].id, own[0].id),
        "five": tuple(m.id for m in own),
        "one bad": (own[0].id, "C" * 22),
    }[case]

    with pytest.raises(InvalidMedia):
        await post(world, ann, *media_ids)

    assert world.stored_tweet_ids() == set()
    assert all(world.store.media[m.id].tweet_id is None for m in own)


async def test_the_v1_image_is_recorded_as_the_tweets_one_media(world: World, ann: User) -> None:
    tweet = await world.post(ann, "", image=image_bytes())

    (media,) = tweet.media
    assert media.name == tweet.image
    assert (media.width, media.height, media.content_type, media.alt) == (1, 1, "image/png", None)
    assert (await world.tweet_as_seen_by(tweet.id, None)).media == tweet.media
    (stored,) = world.store.media.values()
    assert (stored.tweet_id, stored.position) == (tweet.id, 0)


# --- Deleting a tweet ---------------------------------------------------------------------


async def test_deleting_a_tweet_deletes_its_media(world: World, ann: User) -> None:
    kept = await upload(world, ann)
    attached = [await upload(world, ann) for _ in range(2)]
    tweet_id = await post(world, ann, *(m.id for m in attached))

    await world.delete(ann, tweet_id)
    await world.run_workers()

    assert world.media.names == {kept.name}
    assert set(world.store.media) == {kept.id}


async def test_media_of_a_deleted_tweet_go_later_when_the_store_is_down(
    world: World, ann: User
) -> None:
    media = await upload(world, ann)
    tweet_id = await post(world, ann, media.id)
    await world.run_workers()
    world.media.down = True

    await world.delete(ann, tweet_id)

    assert media.name in world.media.names
    # (and the search index's job)
    assert [job.kind for job in world.store.jobs if job.kind not in UNRELATED] == [DELETE_MEDIA]
    world.media.down = False
    await world.run_workers()
    assert world.media.names == frozenset()


# --- Sweeping uploads never attached ------------------------------------------------------


async def test_an_unattached_upload_is_deleted_once_its_ttl_has_passed(
    world: World, ann: User
) -> None:
    media = await upload(world, ann)
    attached = await upload(world, ann)
    await post(world, ann, attached.id)

    world.clock.advance(TTL - timedelta(seconds=1))
    await world.run_workers()
    assert set(world.store.media) == {media.id, attached.id}

    world.clock.advance(seconds=1)
    await world.run_workers()
    assert set(world.store.media) == {attached.id}
    assert world.media.names == {attached.name}
    with pytest.raises(InvalidMedia):
        await post(world, ann, media.id)


async def test_the_ttl_setting_applies_to_uploads_made_before_it_changed(
    world: World, ann: User, admin: User
) -> None:
    early = await upload(world, ann)
    await world.change_settings(admin.id, unattached_media_ttl_seconds=300)
    late = await upload(world, ann)

    world.clock.advance(seconds=299)
    await world.run_workers()
    assert set(world.store.media) == {late.id}  # early is past 300 s (settings took a while)

    world.clock.advance(seconds=1)
    await world.run_workers()
    assert world.store.media == {}
    assert early.id not in world.store.media


async def test_a_swept_upload_is_deleted_later_when_the_store_is_down(
    world: World, ann: User
) -> None:
    media = await upload(world, ann)
    world.clock.advance(TTL)
    world.media.down = True

    await world.run_workers()  # the media.delete job fails while the store is down

    assert world.store.media == {}
    assert [job.kind for job in world.store.failed_jobs] == [DELETE_MEDIA]
    assert media.name in world.media.names
    world.media.down = False
    assert await (await world.container.get(JobWorker)).retry_failed() == 1
    await world.run_workers()
    assert world.media.names == frozenset()
