from __future__ import annotations

import pytest

from application.pagination import PageRequest
from application.use_cases.list_active_users import ListActiveUsersQuery
from application.use_cases.list_follows import ListFollowsQuery
from application.use_cases.list_user_tweets import ListUserTweetsQuery
from application.use_cases.register_user import RegisterUserResult
from application.use_cases.update_current_user import UpdateCurrentUserCommand
from domain.errors import UserNotFound, ValidationError
from domain.users import User
from tests.unit.world import World, image_bytes

# --- GetProfile ---------------------------------------------------------------------------


async def test_a_profile_shows_the_counts(world: World, ann: User, ben: User, cat: User) -> None:
    await world.follow(ben, "ann")
    await world.follow(cat, "ann")
    await world.follow(ann, "cat")
    for _ in range(3):
        await world.post(ann)
    await world.delete(ann, (await world.post(ann)).id)

    profile = await world.profile("ann")

    assert (profile.id, profile.username) == (ann.id, "ann")
    assert (profile.followers_count, profile.following_count, profile.tweets_count) == (2, 1, 3)
    assert profile.created_at == ann.created_at


async def test_a_profile_shows_the_public_fields(world: World, alice: RegisterUserResult) -> None:
    await world.update_current_user(
        UpdateCurrentUserCommand(
            user_id=alice.user.id,
            session_id=alice.tokens.session_id,
            first_name="Alice",
            last_name="L",
            bio="hi",
        )
    )

    profile = await world.profile("alice")

    assert (profile.first_name, profile.last_name, profile.bio, profile.avatar) == (
        "Alice",
        "L",
        "hi",
        None,
    )


@pytest.mark.parametrize(
    ("viewer", "followed_by_me"),
    [(None, None), ("ben", True), ("cat", False), ("ann", False)],
)
async def test_followed_by_me_is_the_viewers(
    world: World, ann: User, ben: User, cat: User, viewer: str | None, followed_by_me: bool | None
) -> None:
    await world.follow(ben, "ann")
    await world.follow(ann, "cat")
    people = {"ann": ann, "ben": ben, "cat": cat}

    profile = await world.profile("ann", None if viewer is None else people[viewer])

    assert profile.followed_by_me is followed_by_me


@pytest.mark.parametrize("username", ["ANN", "Ann", "aNn"])
async def test_profiles_are_found_case_insensitively(
    world: World, ann: User, username: str
) -> None:
    assert (await world.profile(username)).username == "ann"


@pytest.mark.parametrize(
    "lookup",
    [
        lambda w: w.profile("nobody"),
        lambda w: w.list_user_tweets(ListUserTweetsQuery("nobody", PageRequest())),
        lambda w: w.list_followers(ListFollowsQuery("nobody", PageRequest())),
        lambda w: w.list_following(ListFollowsQuery("nobody", PageRequest())),
    ],
    ids=["profile", "tweets", "followers", "following"],
)
async def test_an_unknown_username_is_not_found(world: World, ann: User, lookup: object) -> None:
    with pytest.raises(UserNotFound) as raised:
        await lookup(world)  # type: ignore[operator]

    assert raised.value.code == "user_not_found"


# --- ListUserTweets -----------------------------------------------------------------------


async def test_a_users_tweets_are_theirs_only_with_the_viewers_likes(
    world: World, ann: User, ben: User
) -> None:
    first = await world.post(ann, "one")
    await world.post(ben, "not ann's")
    second = await world.post(ann, "two", image_bytes())
    await world.like(ben, first.id)

    as_ben = await world.list_user_tweets(ListUserTweetsQuery("ann", PageRequest(), ben.id))
    anonymous = await world.list_user_tweets(ListUserTweetsQuery("ann", PageRequest()))

    assert [(t.id, t.text, t.liked_by_me) for t in as_ben.items] == [
        (second.id, "two", False),
        (first.id, "one", True),
    ]
    assert [t.liked_by_me for t in anonymous.items] == [None, None]
    assert [t.image for t in anonymous.items] == [second.image, None]


# --- ListActiveUsers ----------------------------------------------------------------------


async def leaderboard(world: World, limit: int = 20) -> list[tuple[str, object]]:
    active = await world.list_active_users(ListActiveUsersQuery(limit))
    return [(a.username, a.last_login) for a in active]


async def test_recently_active_is_active_users_who_logged_in_latest_first(world: World) -> None:
    # cat registers but never logs in: registering does not count as a login.
    accounts = {name: (await world.sign_up(name)).user for name in ("ann", "ben", "cat", "dan")}
    times = {}
    for name in ("ben", "ann", "dan"):
        await world.log_in_as(name)
        times[name] = world.clock.now()
        world.clock.advance(minutes=1)
    world.deactivate(accounts["dan"].id)

    assert await leaderboard(world) == [("ann", times["ann"]), ("ben", times["ben"])]


async def test_a_new_login_moves_a_user_to_the_top(world: World) -> None:
    for name in ("ann", "ben"):
        await world.sign_up(name)
        await world.log_in_as(name)
        world.clock.advance(minutes=1)

    await world.log_in_as("ann")

    assert [name for name, _ in await leaderboard(world)] == ["ann", "ben"]


@pytest.mark.parametrize("limit", [1, 2, 3, 100])
async def test_recently_active_respects_the_limit(world: World, limit: int) -> None:
    names = ["ann", "ben", "cat"]
    for name in names:
        await world.sign_up(name)
        await world.log_in_as(name)
        world.clock.advance(seconds=1)

    assert [name for name, _ in await leaderboard(world, limit)] == names[::-1][:limit]


async def test_recently_active_with_no_logins_is_empty(world: World, ann: User) -> None:
    assert await leaderboard(world) == []


@pytest.mark.parametrize("limit", [0, -1, 101])
async def test_recently_active_limit_out_of_range_is_refused(world: World, limit: int) -> None:
    with pytest.raises(ValidationError) as raised:
        await leaderboard(world, limit)

    assert [e.field for e in raised.value.errors] == ["limit"]
