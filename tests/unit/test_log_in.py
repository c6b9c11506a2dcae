from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from application.ports.password_hasher import PasswordHasher
from application.use_cases.change_user_status import ChangeUserStatusCommand
from application.use_cases.log_in import LogInCommand
from application.use_cases.register_user import RegisterUserResult
from application.use_cases.update_current_user import UpdateCurrentUserCommand
from domain.errors import InvalidCredentials, ValidationError, WrongCurrentPassword
from domain.users import User
from tests.support.doubles import PlainTextPasswordHasher
from tests.support.wiring import override
from tests.unit.world import PASSWORD, World

NO_ACCOUNT = "No active account found with the given credentials"


@pytest.mark.parametrize(
    "login",
    [
        {"username": "alice"},
        {"username": "ALICE"},
        {"email": "alice@example.com"},
        {"email": "Alice@EXAMPLE.com"},
    ],
)
async def test_log_in_by_username_or_email_in_any_case(
    world: World, alice: RegisterUserResult, login: dict[str, str]
) -> None:
    tokens = await world.log_in(LogInCommand(password=PASSWORD, **login))

    claims = world.claims(tokens.access_token)
    assert claims.user_id == alice.user.id
    assert claims.session_id == tokens.session_id
    assert (tokens.expires_in, tokens.refresh_expires_in) == (30, 30 * 86400)
    assert await world.refresh(tokens.refresh_token)


@pytest.mark.parametrize(
    "login",
    [{}, {"username": "alice", "email": "alice@example.com"}],
    ids=["neither", "both"],
)
async def test_exactly_one_of_username_and_email(
    world: World, alice: RegisterUserResult, login: dict[str, str]
) -> None:
    before = world.footprint()

    with pytest.raises(ValidationError) as raised:
        await world.log_in(LogInCommand(password=PASSWORD, **login))

    assert raised.value.code == "validation_error"
    assert world.footprint() == before


@pytest.mark.parametrize(
    ("login", "deactivate"),
    [
        ({"username": "nobody", "password": PASSWORD}, False),
        ({"email": "nobody@example.com", "password": PASSWORD}, False),
        ({"username": "alice", "password": PASSWORD + "x"}, False),
        ({"email": "alice@example.com", "password": PASSWORD.upper()}, False),
        ({"username": "alice", "password": PASSWORD}, True),
        ({"username": "alice", "password": "wrong password"}, True),
    ],
    ids=[
        "unknown-username",
        "unknown-email",
        "wrong-password",
        "wrong-case-password",
        "deactivated",
        "deactivated-wrong-password",
    ],
)
async def test_every_failed_login_looks_the_same(
    world: World, alice: RegisterUserResult, login: dict[str, str], deactivate: bool
) -> None:
    if deactivate:
        world.deactivate(alice.user.id)
    before = world.footprint()

    with pytest.raises(InvalidCredentials) as raised:
        await world.log_in(LogInCommand(**login))

    assert type(raised.value) is InvalidCredentials
    assert raised.value.code == "invalid_credentials"
    assert raised.value.detail == NO_ACCOUNT
    assert world.footprint() == before
    assert world.stored_user(alice.user.id).last_login is None


async def test_log_in_records_last_login(world: World, alice: RegisterUserResult) -> None:
    world.clock.advance(minutes=5)

    await world.log_in_as("alice")

    assert world.stored_user(alice.user.id).last_login == world.clock.now()


async def test_each_login_starts_its_own_session(world: World, alice: RegisterUserResult) -> None:
    first = await world.log_in_as("alice")
    second = await world.log_in_as("alice")

    ids = {alice.tokens.session_id, first.session_id, second.session_id}
    assert len(ids) == 3
    assert world.live_session_ids(alice.user.id) == ids
    assert first.refresh_token != second.refresh_token
    await world.refresh(first.refresh_token)
    await world.refresh(second.refresh_token)


async def test_a_login_commits_once(world: World, alice: RegisterUserResult) -> None:
    commits = world.store.commits

    await world.log_in_as("alice")

    assert world.store.commits == commits + 1


async def test_an_admin_login_says_so_in_the_access_token(world: World) -> None:
    await world.new_admin("root")

    tokens = await world.log_in_as("root")

    assert world.claims(tokens.access_token).is_admin is True


async def test_a_hash_made_with_old_parameters_is_upgraded(
    world: World, alice: RegisterUserResult
) -> None:
    new_hasher = PlainTextPasswordHasher(version=2)
    log_in = (await world.replacing(override(PasswordHasher, new_hasher))).log_in
    old_hash = world.stored_user(alice.user.id).password_hash
    assert new_hasher.needs_rehash(old_hash)

    await log_in(LogInCommand(password=PASSWORD, username="alice"))

    upgraded = world.stored_user(alice.user.id).password_hash
    assert upgraded == await new_hasher.hash(PASSWORD)
    assert not new_hasher.needs_rehash(upgraded)
    assert world.stored_user(alice.user.id).password_changed_at is None
    await log_in(LogInCommand(password=PASSWORD, username="alice"))
    with pytest.raises(InvalidCredentials):
        await log_in(LogInCommand(password="not the password", username="alice"))


async def test_a_current_hash_is_left_alone(world: World, alice: RegisterUserResult) -> None:
    before = world.stored_user(alice.user.id).password_hash

    await world.log_in_as("alice")

    assert world.stored_user(alice.user.id).password_hash == before


async def test_a_failed_login_does_not_upgrade_the_hash(
    world: World, alice: RegisterUserResult
) -> None:
    before = world.stored_user(alice.user.id).password_hash

    upgraded = await world.replacing(override(PasswordHasher, PlainTextPasswordHasher(version=2)))

    with pytest.raises(InvalidCredentials):
        await upgraded.log_in(LogInCommand(password="not the password", username="alice"))

    assert world.stored_user(alice.user.id).password_hash == before


async def test_the_session_starts_at_login_time(world: World, alice: RegisterUserResult) -> None:
    world.clock.advance(timedelta(hours=1))

    tokens = await world.log_in_as("alice")

    assert world.stored_session(tokens.session_id).created_at == world.clock.now()


class SlowHasher(PlainTextPasswordHasher):
    """Runs ``meanwhile`` while it checks a password, as others' requests run during argon2."""

    def __init__(self, meanwhile: Callable[[], Awaitable[object]], version: int = 1) -> None:
        super().__init__(version)
        self._meanwhile: Callable[[], Awaitable[object]] | None = meanwhile

    async def verify(self, password_hash: str, password: str) -> bool:
        matches = await super().verify(password_hash, password)
        if self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            await meanwhile()
        return matches


@pytest.mark.parametrize("hasher_version", [1, 2], ids=["current hash", "hash to upgrade"])
async def test_a_login_that_verified_a_password_changed_meanwhile_fails(
    world: World, alice: RegisterUserResult, hasher_version: int
) -> None:
    """The password changes while the login checks the old one: no session may come of it
    (the change cannot revoke a session made after it), nor an upgrade of the old hash."""
    new_password = "a brand new secret"
    change = UpdateCurrentUserCommand(
        user_id=alice.user.id,
        session_id=alice.tokens.session_id,
        password=new_password,
        current_password=PASSWORD,
    )
    slow = SlowHasher(lambda: world.update_current_user(change), version=hasher_version)
    log_in = (await world.replacing(override(PasswordHasher, slow))).log_in
    sessions = len(world.store.sessions)

    with pytest.raises(InvalidCredentials) as raised:
        await log_in(LogInCommand(password=PASSWORD, username="alice"))

    assert raised.value.code == "invalid_credentials"
    assert len(world.store.sessions) == sessions
    assert world.live_session_ids(alice.user.id) == {alice.tokens.session_id}
    user = world.stored_user(alice.user.id)
    assert user.last_login is None
    assert user.password_hash == await world.hasher.hash(new_password)
    with pytest.raises(InvalidCredentials):
        await world.log_in(LogInCommand(password=PASSWORD, username="alice"))
    assert await world.log_in(LogInCommand(password=new_password, username="alice"))


async def test_a_password_change_that_verified_a_password_changed_meanwhile_fails(
    world: World, alice: RegisterUserResult
) -> None:
    """Two changes from two sessions, both knowing the old password: the one that checked a
    password no longer current when it writes is refused, and ends no session."""
    second = await world.log_in_as("alice")
    first_change = UpdateCurrentUserCommand(
        user_id=alice.user.id,
        session_id=alice.tokens.session_id,
        password="the first new secret",
        current_password=PASSWORD,
    )
    second_change = UpdateCurrentUserCommand(
        user_id=alice.user.id,
        session_id=second.session_id,
        password="the second new secret",
        current_password=PASSWORD,
    )
    slow = SlowHasher(lambda: world.update_current_user(first_change))
    slow_world = await world.replacing(override(PasswordHasher, slow))

    with pytest.raises(WrongCurrentPassword):
        await slow_world.update_current_user(second_change)

    assert world.live_session_ids(alice.user.id) == {alice.tokens.session_id}
    assert await world.log_in_as("alice", "the first new secret")


async def test_a_profile_and_password_change_keeps_a_deactivation_made_meanwhile(
    world: World, alice: RegisterUserResult, admin: User
) -> None:
    """An administrator deactivates the account while its owner's edit checks the current
    password: the edit writes its bio and password, and the account stays deactivated."""
    deactivation = ChangeUserStatusCommand(admin.id, "alice", is_active=False)
    slow = SlowHasher(lambda: world.change_user_status(deactivation))
    slow_world = await world.replacing(override(PasswordHasher, slow))
    new_password = "a brand new secret"

    await slow_world.update_current_user(
        UpdateCurrentUserCommand(
            user_id=alice.user.id,
            session_id=alice.tokens.session_id,
            bio="still here",
            password=new_password,
            current_password=PASSWORD,
        )
    )

    stored = world.stored_user(alice.user.id)
    assert (stored.bio, stored.is_active, stored.deactivated_at) == (
        "still here",
        False,
        world.clock.now(),
    )
    with pytest.raises(InvalidCredentials):
        await world.log_in_as("alice", new_password)
