from __future__ import annotations

import pytest

from application.use_cases.get_current_user import GetCurrentUserQuery
from application.use_cases.log_in import LogInCommand
from application.use_cases.register_user import RegisterUserResult
from application.use_cases.update_current_user import UpdateCurrentUserCommand
from domain.errors import (
    EmailTaken,
    InvalidAccessToken,
    InvalidCredentials,
    InvalidRefreshToken,
    UsernameTaken,
    ValidationError,
    WrongCurrentPassword,
)
from domain.users import User
from tests.unit.world import PASSWORD, World

NEW_PASSWORD = "a brand new passphrase"


async def update(world: World, alice: RegisterUserResult, **changes: str | None) -> User:
    return await world.update_current_user(
        UpdateCurrentUserCommand(
            user_id=alice.user.id,
            session_id=alice.tokens.session_id,
            **changes,  # type: ignore[arg-type]
        )
    )


# --- GetCurrentUser -----------------------------------------------------------------------


async def test_get_current_user_returns_the_account(
    world: World, alice: RegisterUserResult
) -> None:
    user = await world.get_current_user(GetCurrentUserQuery(user_id=alice.user.id))

    assert (user.id, user.username, user.email) == (alice.user.id, "alice", "alice@example.com")


async def test_a_deactivated_users_token_no_longer_works(
    world: World, alice: RegisterUserResult
) -> None:
    world.deactivate(alice.user.id)

    with pytest.raises(InvalidAccessToken) as raised:
        await world.get_current_user(GetCurrentUserQuery(user_id=alice.user.id))

    assert raised.value.code == "invalid_token"


async def test_a_missing_users_token_no_longer_works(world: World) -> None:
    with pytest.raises(InvalidAccessToken):
        await world.get_current_user(GetCurrentUserQuery(user_id=404))


# --- UpdateCurrentUser: profile, username, email ------------------------------------------


async def test_profile_fields_change_and_others_stay(
    world: World, alice: RegisterUserResult
) -> None:
    user = await update(world, alice, first_name="Alice", bio="Hello")
    await update(world, alice, last_name="Liddell")

    stored = world.stored_user(alice.user.id)
    assert (user.first_name, user.bio) == ("Alice", "Hello")
    assert (stored.first_name, stored.last_name, stored.bio) == ("Alice", "Liddell", "Hello")
    assert (stored.username, stored.email) == ("alice", "alice@example.com")
    assert stored.password_hash == alice.user.password_hash


async def test_a_profile_field_can_be_cleared(world: World, alice: RegisterUserResult) -> None:
    await update(world, alice, bio="Hello")

    await update(world, alice, bio="")

    assert world.stored_user(alice.user.id).bio == ""


async def test_an_update_commits_once(world: World, alice: RegisterUserResult) -> None:
    commits = world.store.commits

    await update(world, alice, bio="x")

    assert world.store.commits == commits + 1


@pytest.mark.parametrize("new_name", ["ALICE", "Alice", "alice"])
async def test_changing_only_the_case_of_ones_username_works(
    world: World, alice: RegisterUserResult, new_name: str
) -> None:
    await update(world, alice, username=new_name)

    assert world.stored_user(alice.user.id).username == new_name
    await world.log_in_as("alice")


async def test_changing_only_the_case_of_ones_email_works(
    world: World, alice: RegisterUserResult
) -> None:
    await update(world, alice, email="ALICE@example.com")

    assert world.stored_user(alice.user.id).email == "ALICE@example.com"


async def test_username_and_email_can_change_to_free_ones(
    world: World, alice: RegisterUserResult
) -> None:
    await update(world, alice, username="wonderland", email="w@example.org")

    stored = world.stored_user(alice.user.id)
    assert (stored.username, stored.email) == ("wonderland", "w@example.org")
    await world.log_in(LogInCommand(password=PASSWORD, email="W@example.org"))
    with pytest.raises(InvalidCredentials):
        await world.log_in_as("alice")


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"username": "BOB"}, UsernameTaken),
        ({"username": "bob"}, UsernameTaken),
        ({"email": "Bob@Example.com"}, EmailTaken),
        ({"email": "bob@example.com", "bio": "stolen"}, EmailTaken),
    ],
)
async def test_another_accounts_username_or_email_is_taken(
    world: World,
    alice: RegisterUserResult,
    changes: dict[str, str],
    error: type[Exception],
) -> None:
    await world.sign_up("bob")
    before = world.footprint()

    with pytest.raises(error):
        await update(world, alice, **changes)

    stored = world.stored_user(alice.user.id)
    assert (stored.username, stored.email, stored.bio) == ("alice", "alice@example.com", "")
    assert world.footprint() == before


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("username", {"username": "al"}),
        ("username", {"username": "a" * 31}),
        ("username", {"username": "al ice"}),
        ("username", {"username": ""}),
        ("email", {"email": "not-an-email"}),
        ("email", {"email": ""}),
        ("first_name", {"first_name": "f" * 151}),
        ("last_name", {"last_name": "l" * 151}),
        ("bio", {"bio": "b" * 161}),
        ("password", {"password": "short", "current_password": PASSWORD}),
        ("password", {"password": "x" * 129, "current_password": PASSWORD}),
        ("password", {"password": "ALICE@EXAMPLE.COM", "current_password": PASSWORD}),
        ("password", {"password": "iloveyou1", "current_password": PASSWORD}),
        ("current_password", {"password": NEW_PASSWORD}),
        ("password", {"current_password": PASSWORD}),
    ],
)
async def test_invalid_changes_are_refused_and_nothing_changes(
    world: World, alice: RegisterUserResult, field: str, changes: dict[str, str]
) -> None:
    before = world.footprint()
    valid_change = {"first_name": "Alice"} if "first_name" not in changes else {"bio": "hi"}

    with pytest.raises(ValidationError) as raised:
        await update(world, alice, **valid_change, **changes)

    assert type(raised.value) is ValidationError
    assert field in {e.field for e in raised.value.errors}
    assert world.stored_user(alice.user.id) == alice.user
    assert world.footprint() == before


async def test_several_invalid_fields_are_reported_at_once(
    world: World, alice: RegisterUserResult
) -> None:
    with pytest.raises(ValidationError) as raised:
        await update(world, alice, email="nope", bio="b" * 161, current_password=PASSWORD)

    assert {e.field for e in raised.value.errors} == {"email", "bio", "password"}


@pytest.mark.parametrize("changes", [{"username": "a!"}, {"email": "nope"}])
async def test_an_invalid_username_or_email_with_a_new_password_is_a_validation_error(
    world: World, alice: RegisterUserResult, changes: dict[str, str]
) -> None:
    with pytest.raises(ValidationError):
        await update(world, alice, password=NEW_PASSWORD, current_password=PASSWORD, **changes)


# --- UpdateCurrentUser: password ----------------------------------------------------------


async def test_a_wrong_current_password_changes_nothing(
    world: World, alice: RegisterUserResult
) -> None:
    other = await world.log_in_as("alice")
    before = world.footprint()

    with pytest.raises(WrongCurrentPassword) as raised:
        await update(world, alice, password=NEW_PASSWORD, current_password="not it at all", bio="x")

    assert raised.value.code == "wrong_current_password"
    stored = world.stored_user(alice.user.id)
    assert stored.password_hash == alice.user.password_hash
    assert stored.password_changed_at is None
    assert stored.bio == ""
    assert world.footprint() == before
    assert world.live_session_ids(alice.user.id) == {alice.tokens.session_id, other.session_id}
    await world.refresh(other.refresh_token)


async def test_a_password_change_keeps_only_the_calling_session(
    world: World, alice: RegisterUserResult
) -> None:
    phone = await world.log_in_as("alice")
    laptop = await world.log_in_as("alice")
    bob = await world.sign_up("bob")
    world.clock.advance(hours=1)

    await world.update_current_user(
        UpdateCurrentUserCommand(
            user_id=alice.user.id,
            session_id=laptop.session_id,
            password=NEW_PASSWORD,
            current_password=PASSWORD,
        )
    )

    stored = world.stored_user(alice.user.id)
    assert await world.hasher.verify(stored.password_hash, NEW_PASSWORD)
    assert not await world.hasher.verify(stored.password_hash, PASSWORD)
    assert stored.password_changed_at == world.clock.now()
    assert world.live_session_ids(alice.user.id) == {laptop.session_id}
    for stale in (alice.tokens.refresh_token, phone.refresh_token):
        with pytest.raises(InvalidRefreshToken):
            await world.refresh(stale)
    await world.refresh(laptop.refresh_token)
    await world.refresh(bob.tokens.refresh_token)


async def test_after_a_password_change_only_the_new_password_logs_in(
    world: World, alice: RegisterUserResult
) -> None:
    await update(world, alice, password=NEW_PASSWORD, current_password=PASSWORD)

    with pytest.raises(InvalidCredentials):
        await world.log_in_as("alice", PASSWORD)
    await world.log_in_as("alice", NEW_PASSWORD)


@pytest.mark.parametrize(
    "changes",
    [
        {"username": "queen_of_hearts", "password": "Queen_Of_Hearts"},
        {"email": "queen@hearts.example", "password": "QUEEN@HEARTS.EXAMPLE"},
        {"password": "alice@example.com"},
    ],
    ids=["new-username", "new-email", "current-email"],
)
async def test_a_new_password_may_not_equal_the_new_username_or_email(
    world: World, alice: RegisterUserResult, changes: dict[str, str]
) -> None:
    with pytest.raises(ValidationError) as raised:
        await update(world, alice, current_password=PASSWORD, **changes)

    assert [e.field for e in raised.value.errors] == ["password"]
    assert world.stored_user(alice.user.id) == alice.user


async def test_password_and_profile_change_together(
    world: World, alice: RegisterUserResult
) -> None:
    await update(world, alice, username="alice2", password=NEW_PASSWORD, current_password=PASSWORD)

    await world.log_in_as("alice2", NEW_PASSWORD)


async def test_a_password_change_refused_for_a_taken_username_revokes_nothing(
    world: World, alice: RegisterUserResult
) -> None:
    other = await world.log_in_as("alice")
    await world.sign_up("bob")

    with pytest.raises(UsernameTaken):
        await update(world, alice, username="bob", password=NEW_PASSWORD, current_password=PASSWORD)

    assert world.live_session_ids(alice.user.id) == {alice.tokens.session_id, other.session_id}


async def test_a_deactivated_user_cannot_update(world: World, alice: RegisterUserResult) -> None:
    world.deactivate(alice.user.id)

    with pytest.raises(InvalidAccessToken):
        await update(world, alice, bio="x")

    assert world.stored_user(alice.user.id).bio == ""
