from __future__ import annotations

import pytest

from application.pagination import PageRequest
from application.use_cases.change_user_status import ChangeUserStatusCommand
from application.use_cases.list_users import ListUsersQuery
from application.use_cases.register_user import RegisterUserResult
from domain.errors import (
    AdminRequired,
    InvalidAccessToken,
    InvalidCredentials,
    InvalidRefreshToken,
    UserNotFound,
    ValidationError,
)
from domain.users import User
from tests.unit.world import World, ids


async def change(
    world: World,
    actor: User,
    username: str,
    *,
    is_active: bool | None = None,
    is_admin: bool | None = None,
) -> User:
    return await world.change_user_status(
        ChangeUserStatusCommand(actor.id, username, is_active=is_active, is_admin=is_admin)
    )


async def list_users(world: World, actor: User) -> list[int]:
    return ids((await world.list_users(ListUsersQuery(actor.id, PageRequest()))).items)


# --- who may ------------------------------------------------------------------------------


async def test_an_admin_lists_every_account_newest_first(
    world: World, admin: User, alice: RegisterUserResult
) -> None:
    bob = await world.sign_up("bob")
    world.deactivate(bob.user.id)

    assert await list_users(world, admin) == [bob.user.id, alice.user.id, admin.id]


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("member", AdminRequired),
        ("demoted-admin", AdminRequired),
        ("deactivated-admin", InvalidAccessToken),
    ],
)
async def test_only_a_current_admin_manages_users(
    world: World, alice: RegisterUserResult, who: str, error: type[Exception]
) -> None:
    actor = alice.user
    if who != "member":
        actor = await world.new_admin("boss")
        if who == "demoted-admin":
            world.store.users[actor.id].is_admin = False
        else:
            world.deactivate(actor.id)
    target = await world.sign_up("bob")
    before = world.footprint()

    with pytest.raises(error):
        await list_users(world, actor)
    with pytest.raises(error):
        await change(world, actor, "bob", is_active=False, is_admin=True)

    assert world.stored_user(target.user.id).is_active
    assert not world.stored_user(target.user.id).is_admin
    assert world.footprint() == before
    await world.refresh(target.tokens.refresh_token)


async def test_a_non_admin_is_refused_before_the_target_is_looked_up(
    world: World, alice: RegisterUserResult
) -> None:
    with pytest.raises(AdminRequired):
        await change(world, alice.user, "nobody", is_active=False)


@pytest.mark.parametrize("username", ["nobody", "alicee"])
async def test_an_unknown_target_is_not_found(
    world: World, admin: User, alice: RegisterUserResult, username: str
) -> None:
    with pytest.raises(UserNotFound):
        await change(world, admin, username, is_active=False)


# --- deactivating and re-activating -------------------------------------------------------


@pytest.mark.parametrize("username", ["alice", "ALICE"])
async def test_deactivating_revokes_every_session_and_blocks_login(
    world: World, admin: User, alice: RegisterUserResult, username: str
) -> None:
    phone = await world.log_in_as("alice")
    bob = await world.sign_up("bob")
    commits = world.store.commits

    user = await change(world, admin, username, is_active=False)

    assert (user.id, user.is_active) == (alice.user.id, False)
    assert not world.stored_user(alice.user.id).is_active
    assert world.live_session_ids(alice.user.id) == set()
    assert world.store.commits == commits + 1
    for token in (alice.tokens.refresh_token, phone.refresh_token):
        with pytest.raises(InvalidRefreshToken):
            await world.refresh(token)
    with pytest.raises(InvalidCredentials):
        await world.log_in_as("alice")
    await world.refresh(bob.tokens.refresh_token)


async def test_reactivating_lets_the_user_log_in_again_but_old_sessions_stay_revoked(
    world: World, admin: User, alice: RegisterUserResult
) -> None:
    await change(world, admin, "alice", is_active=False)

    user = await change(world, admin, "alice", is_active=True)

    assert user.is_active
    fresh = await world.log_in_as("alice")
    await world.refresh(fresh.refresh_token)
    with pytest.raises(InvalidRefreshToken):
        await world.refresh(alice.tokens.refresh_token)


async def test_changing_only_is_admin_leaves_sessions_alone(
    world: World, admin: User, alice: RegisterUserResult
) -> None:
    await change(world, admin, "alice", is_admin=True)

    assert world.live_session_ids(alice.user.id) == {alice.tokens.session_id}
    await world.refresh(alice.tokens.refresh_token)


# --- promoting and demoting ---------------------------------------------------------------


async def test_promoting_then_demoting_takes_effect_at_once(
    world: World, admin: User, alice: RegisterUserResult
) -> None:
    promoted = await change(world, admin, "alice", is_admin=True)

    assert promoted.is_admin
    assert alice.user.id in await list_users(world, world.stored_user(alice.user.id))

    demoted = await change(world, admin, "alice", is_admin=False)

    assert not demoted.is_admin
    with pytest.raises(AdminRequired):
        await list_users(world, alice.user)


async def test_an_admin_may_demote_and_deactivate_another_admin(world: World, admin: User) -> None:
    other = await world.new_admin("deputy")

    user = await change(world, admin, "deputy", is_admin=False, is_active=False)

    assert (user.is_admin, user.is_active) == (False, False)
    stored = world.stored_user(other.id)
    assert (stored.is_admin, stored.is_active) == (False, False)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"is_active": False}, "is_active"),
        ({"is_admin": False}, "is_admin"),
        ({"is_active": False, "is_admin": False}, "is_active"),
        ({"is_active": True, "is_admin": False}, "is_admin"),
        ({"is_active": False, "is_admin": True}, "is_active"),
    ],
)
async def test_an_admin_cannot_deactivate_or_demote_themselves(
    world: World, admin: User, changes: dict[str, bool], field: str
) -> None:
    session = await world.log_in_as("root")
    before = world.footprint()

    with pytest.raises(ValidationError) as raised:
        await change(world, admin, "ROOT", **changes)

    assert [e.field for e in raised.value.errors] == [field]
    stored = world.stored_user(admin.id)
    assert (stored.is_active, stored.is_admin) == (True, True)
    assert world.footprint() == before
    await world.refresh(session.refresh_token)


async def test_an_admin_may_confirm_their_own_status(world: World, admin: User) -> None:
    user = await change(world, admin, "root", is_active=True, is_admin=True)

    assert (user.is_active, user.is_admin) == (True, True)
