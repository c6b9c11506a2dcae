from __future__ import annotations

import pytest

from adapters.memory.users import InMemoryUserRepository
from application.errors import DependencyUnavailable
from application.ports.users import UserRepository
from application.use_cases.open_media import OpenMediaQuery
from application.use_cases.remove_avatar import RemoveAvatarCommand
from application.use_cases.set_avatar import SetAvatarCommand
from domain.errors import (
    ImageTooLarge,
    InvalidAccessToken,
    InvalidImage,
    MediaNotFound,
)
from domain.users import User
from tests.support.wiring import override
from tests.unit.world import World, image_bytes


class BrokenUserStorage(InMemoryUserRepository):
    """Account storage whose writes fail, as when the database goes away mid-request."""

    async def replace_avatar(self, user_id: int, avatar: str | None) -> str | None:
        raise DependencyUnavailable("database", "it went away")


async def set_avatar(world: World, user: User, data: bytes) -> User:
    return await world.set_avatar(SetAvatarCommand(user_id=user.id, image=data))


async def remove_avatar(world: World, user: User) -> None:
    await world.remove_avatar(RemoveAvatarCommand(user_id=user.id))


async def opened(world: World, name: str | None) -> bytes:
    assert name is not None
    return await (await world.open_media(OpenMediaQuery(name))).content()


# --- SetAvatar ----------------------------------------------------------------------------


async def test_setting_an_avatar_stores_the_file_and_shows_it(world: World, ann: User) -> None:
    data = image_bytes(200)

    user = await set_avatar(world, ann, data)

    assert user.avatar is not None
    assert world.media.names == {user.avatar}
    assert world.stored_user(ann.id).avatar == user.avatar
    assert (await world.profile("ann")).avatar == user.avatar
    assert await opened(world, user.avatar) == data


async def test_the_avatar_shows_on_the_users_tweets(world: World, ann: User) -> None:
    tweet = await world.post(ann)

    user = await set_avatar(world, ann, image_bytes())

    assert (await world.tweet_as_seen_by(tweet.id, None)).author.avatar == user.avatar


async def test_replacing_the_avatar_deletes_the_old_file(world: World, ann: User) -> None:
    old = (await set_avatar(world, ann, image_bytes(100))).avatar
    new_data = image_bytes(150)

    new = (await set_avatar(world, ann, new_data)).avatar

    assert new != old
    assert world.media.names == {new}
    assert await opened(world, new) == new_data
    with pytest.raises(MediaNotFound):
        await opened(world, old)


@pytest.mark.parametrize(
    ("data", "error"),
    [(b"not an image", InvalidImage), (image_bytes(1025), ImageTooLarge)],
)
async def test_a_refused_image_keeps_the_old_avatar(data: bytes, error: type[Exception]) -> None:
    world = await World.start(settings={"max_image_bytes": 1024})
    ann = await world.member("ann")
    old = (await set_avatar(world, ann, image_bytes(1024))).avatar
    before = world.footprint()

    with pytest.raises(error):
        await set_avatar(world, ann, data)

    assert world.stored_user(ann.id).avatar == old
    assert world.media.names == {old}
    assert world.footprint() == before


async def test_the_new_file_is_deleted_when_the_account_cannot_be_saved(
    world: World, ann: User
) -> None:
    old = (await set_avatar(world, ann, image_bytes())).avatar
    broken = await world.replacing(override(UserRepository, BrokenUserStorage(world.store)))

    with pytest.raises(DependencyUnavailable):
        await broken.set_avatar(SetAvatarCommand(user_id=ann.id, image=image_bytes(99)))

    assert world.media.names == {old}
    assert world.stored_user(ann.id).avatar == old


async def test_a_deactivated_account_cannot_set_an_avatar(world: World, ann: User) -> None:
    world.deactivate(ann.id)

    with pytest.raises(InvalidAccessToken):
        await set_avatar(world, ann, image_bytes())

    assert world.media.names == frozenset()


# --- RemoveAvatar -------------------------------------------------------------------------


async def test_removing_the_avatar_clears_it_and_deletes_the_file(world: World, ann: User) -> None:
    name = (await set_avatar(world, ann, image_bytes())).avatar
    commits = world.store.commits

    await remove_avatar(world, ann)

    assert world.stored_user(ann.id).avatar is None
    assert (await world.profile("ann")).avatar is None
    assert world.media.names == frozenset()
    assert world.store.commits == commits + 1
    with pytest.raises(MediaNotFound):
        await opened(world, name)


async def test_removing_a_missing_avatar_is_fine(world: World, ann: User, ben: User) -> None:
    other = (await set_avatar(world, ben, image_bytes())).avatar

    await remove_avatar(world, ann)
    await remove_avatar(world, ann)

    assert world.stored_user(ann.id).avatar is None
    assert world.media.names == {other}


# --- OpenMedia ----------------------------------------------------------------------------


async def test_open_media_returns_the_stored_bytes_and_type(world: World, ann: User) -> None:
    data = image_bytes(321)
    tweet = await world.post(ann, "", data)
    assert tweet.image is not None

    stored = await world.open_media(OpenMediaQuery(tweet.image))

    assert (await stored.content(), stored.content_type) == (data, "image/png")


@pytest.mark.parametrize("name", ["nothing.png", "", "../etc/passwd", "x" * 300])
async def test_a_name_never_given_out_is_not_found(world: World, ann: User, name: str) -> None:
    await world.post(ann, "", image_bytes())

    with pytest.raises(MediaNotFound) as raised:
        await world.open_media(OpenMediaQuery(name))

    assert raised.value.code == "media_not_found"


async def test_a_deleted_tweets_image_is_no_longer_served(world: World, ann: User) -> None:
    tweet = await world.post(ann, "", image_bytes())
    await world.delete(ann, tweet.id)

    with pytest.raises(MediaNotFound):
        await opened(world, tweet.image)


# --- Deleting while the media store is down -------------------------------------------------


async def test_with_the_store_down_deletes_succeed_and_a_job_deletes_the_files_later(
    world: World, ann: User
) -> None:
    tweet = await world.post(ann, "", image_bytes())
    await set_avatar(world, ann, image_bytes(80))
    removed = (await set_avatar(world, ann, image_bytes(90))).avatar
    await world.run_workers()  # the replaced avatar's job: already deleted, nothing to do
    assert world.media.names == {tweet.image, removed}
    world.media.down = True

    await world.delete(ann, tweet.id)
    await remove_avatar(world, ann)

    assert world.stored_user(ann.id).avatar is None
    assert world.media.names == {tweet.image, removed}  # the store could not be told
    world.media.down = False
    await world.run_workers()
    assert world.media.names == frozenset()
