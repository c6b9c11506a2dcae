"""Login, registration and upload throttling (runtime settings, sliding windows)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from adapters.memory.attempt_log import InMemoryAttemptLog
from application.ports.attempt_log import AttemptLog
from application.ports.image_processor import ProcessedImage
from application.ports.password_hasher import PasswordHasher
from application.use_cases.log_in import LogInCommand
from application.use_cases.register_user import RegisterUserCommand, RegisterUserResult
from application.use_cases.set_avatar import SetAvatarCommand
from domain.errors import InvalidCredentials, InvalidImage, TooManyAttempts, ValidationError
from domain.users import User
from tests.support.doubles import PlainTextPasswordHasher
from tests.support.wiring import override
from tests.unit.world import PASSWORD, World, image_bytes

ACCOUNT_WINDOW = timedelta(minutes=15)


async def fail(world: World, username: str = "alice", address: str = "10.0.0.1") -> None:
    with pytest.raises(InvalidCredentials):
        await world.log_in(
            LogInCommand(password="wrong password!", username=username, client_address=address)
        )


async def log_in(world: World, username: str = "alice", address: str = "10.0.0.1") -> None:
    await world.log_in(LogInCommand(password=PASSWORD, username=username, client_address=address))


async def test_past_the_account_limit_even_the_right_password_waits(
    world: World, alice: RegisterUserResult
) -> None:
    for minute in range(10):
        await fail(world, address=f"10.0.0.{minute}")
        world.clock.advance(minutes=1)

    with pytest.raises(TooManyAttempts) as raised:
        await log_in(world, address="10.9.9.9")
    assert raised.value.code == "too_many_attempts"
    # The oldest failure (10 minutes ago) leaves the 15-minute window in 5 minutes.
    assert raised.value.retry_after == 5 * 60

    world.clock.advance(minutes=5)
    await log_in(world)


async def test_hammering_a_locked_account_does_not_extend_the_lockout(
    world: World, alice: RegisterUserResult
) -> None:
    for _ in range(10):
        await fail(world)
    for _ in range(30):
        world.clock.advance(seconds=20)
        with pytest.raises(TooManyAttempts):
            await log_in(world)
    world.clock.advance(ACCOUNT_WINDOW - timedelta(seconds=600))
    await log_in(world)


async def test_a_success_clears_the_account_failures(
    world: World, alice: RegisterUserResult
) -> None:
    for _ in range(9):
        await fail(world)
    await log_in(world)
    for _ in range(10):
        await fail(world)
    with pytest.raises(TooManyAttempts):
        await fail(world)


async def test_unknown_accounts_are_throttled_like_real_ones(world: World) -> None:
    for _ in range(10):
        await fail(world, username="nobody_here")
    with pytest.raises(TooManyAttempts):
        await fail(world, username="NOBODY_HERE")


class FailingHasher(PlainTextPasswordHasher):
    """A hasher whose every check fails as an infrastructure outage would."""

    async def verify(self, password_hash: str, password: str) -> bool:
        raise ConnectionError("the hashing service is down")


async def test_attempts_that_end_in_an_outage_are_not_counted(
    world: World, alice: RegisterUserResult
) -> None:
    log_in_during_outage = (await world.replacing(override(PasswordHasher, FailingHasher()))).log_in
    for _ in range(15):  # past both limits, had they counted
        with pytest.raises(ConnectionError):
            await log_in_during_outage(
                LogInCommand(
                    password="wrong password!", username="alice", client_address="10.0.0.1"
                )
            )
    admin = await world.new_admin()
    await world.change_settings(admin.id, login_failures_per_address=15)

    await log_in(world)


async def test_the_address_limit_spans_accounts(world: World, alice: RegisterUserResult) -> None:
    admin = await world.new_admin()
    await world.change_settings(
        admin.id, login_failures_per_account=0, login_failures_per_address=3
    )
    for name in ("alice", "bob", "carol"):
        await fail(world, username=name, address="203.0.113.7")
    with pytest.raises(TooManyAttempts):
        await log_in(world, address="203.0.113.7")
    await log_in(world, address="198.51.100.1")


async def test_successes_do_not_count_against_the_address(
    world: World, alice: RegisterUserResult
) -> None:
    admin = await world.new_admin()
    await world.change_settings(admin.id, login_failures_per_address=2)
    for _ in range(5):
        await log_in(world, address="203.0.113.7")
    await fail(world, address="203.0.113.7")
    await fail(world, address="203.0.113.7")
    with pytest.raises(TooManyAttempts):
        await log_in(world, address="203.0.113.7")


async def test_zero_means_unlimited(world: World, alice: RegisterUserResult) -> None:
    admin = await world.new_admin()
    await world.change_settings(
        admin.id, login_failures_per_account=0, login_failures_per_address=0
    )
    for _ in range(50):
        await fail(world)
    await log_in(world)


async def test_a_username_and_an_email_of_one_account_are_counted_apart(
    world: World, alice: RegisterUserResult
) -> None:
    """Else locking one out and trying the other would tell that they belong together."""
    for _ in range(10):
        await fail(world)
    with pytest.raises(TooManyAttempts):
        await log_in(world)

    for email in ("alice@example.com", "nobody@example.com"):
        with pytest.raises(InvalidCredentials):
            await world.log_in(LogInCommand(password="wrong password!", email=email))
    await world.log_in(LogInCommand(password=PASSWORD, email="ALICE@example.com"))


class KeyRecordingAttemptLog(InMemoryAttemptLog):
    """Remembers every key it was asked to count under."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: set[str] = set()

    async def acquire(
        self, key: str, limit: int, window: timedelta, now: datetime
    ) -> timedelta | None:
        self.keys.add(key)
        return await super().acquire(key, limit, window, now)


async def test_login_names_are_counted_under_keys_of_a_fixed_size(world: World) -> None:
    attempts = KeyRecordingAttemptLog()
    log_in = (await world.replacing(override(AttemptLog, attempts))).log_in
    names = [
        {"username": "abc"},
        {"username": "\u212a" * 30},
        {"email": "x@y.zz"},
        {"email": "\U0001f600" * 242 + "@example.com"},
    ]
    for name in names:
        with pytest.raises(InvalidCredentials):
            await log_in(LogInCommand(password="wrong password!", client_address="a", **name))
    for too_long in ({"username": "a" * 31}, {"email": "a" * 243 + "@example.com"}):
        with pytest.raises(ValidationError):
            await log_in(LogInCommand(password="wrong password!", client_address="a", **too_long))

    account_keys = attempts.keys - {"login:address:a"}
    assert len(account_keys) == len(names)
    assert {len(key) for key in account_keys} == {
        len("login:username:") + 64,
        len("login:email:") + 64,
    }


async def register(world: World, username: str, address: str = "10.0.0.1") -> None:
    await world.register(
        RegisterUserCommand(
            username=username,
            email=f"{username}@example.com",
            password=PASSWORD,
            client_address=address,
        )
    )


async def test_registrations_per_address_per_hour(world: World) -> None:
    admin = await world.new_admin()
    await world.change_settings(admin.id, registrations_per_address_per_hour=2)
    await register(world, "first")
    with pytest.raises(ValidationError):
        await register(world, "x")  # a failed registration does not count
    await register(world, "second")
    with pytest.raises(TooManyAttempts) as raised:
        await register(world, "third")
    assert raised.value.retry_after == 3600  # both counted ones were made just now
    assert "third" not in {user.username for user in world.store.users.values()}
    await register(world, "third", address="10.0.0.2")
    world.clock.advance(hours=1)
    await register(world, "fourth")


async def upload_avatar(world: World, user: User, image: bytes | None = None) -> User:
    return await world.set_avatar(
        SetAvatarCommand(user_id=user.id, image=image_bytes() if image is None else image)
    )


async def test_uploads_per_user_per_hour_cover_avatars_and_tweet_images(
    world: World, admin: User, ann: User, ben: User
) -> None:
    await world.change_settings(admin.id, uploads_per_user_per_hour=2)
    await upload_avatar(world, ann)
    world.clock.advance(minutes=10)
    await world.post(ann, image=image_bytes())
    files, avatar = world.media.names, world.stored_user(ann.id).avatar

    with pytest.raises(TooManyAttempts) as raised:
        await upload_avatar(world, ann)
    assert raised.value.code == "too_many_attempts"
    assert raised.value.retry_after == 50 * 60  # the first upload leaves the hour then
    with pytest.raises(TooManyAttempts):
        await world.post(ann, text="with an image", image=image_bytes())

    # Nothing was written.
    assert world.media.names == files
    assert world.stored_user(ann.id).avatar == avatar
    assert len(world.stored_tweet_ids()) == 1
    # A tweet without an image is no upload; the limit is per user; the window slides.
    await world.post(ann, text="text only")
    await upload_avatar(world, ben)
    world.clock.advance(minutes=50)
    await upload_avatar(world, ann)


async def test_a_refused_upload_is_not_decoded_and_an_invalid_one_counts(
    world: World, admin: User, ann: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[bytes] = []
    process = world.images.process

    async def counting(data: bytes) -> ProcessedImage:
        decoded.append(data)
        return await process(data)

    monkeypatch.setattr(world.images, "process", counting)
    await world.change_settings(admin.id, uploads_per_user_per_hour=2)
    with pytest.raises(InvalidImage):
        await upload_avatar(world, ann, b"not an image")
    await upload_avatar(world, ann)
    assert len(decoded) == 2

    for _ in range(5):
        with pytest.raises(TooManyAttempts):
            await upload_avatar(world, ann)
    assert len(decoded) == 2


async def test_sixty_uploads_an_hour_by_default_and_zero_means_unlimited(
    world: World, admin: User, ann: User
) -> None:
    for _ in range(60):
        await upload_avatar(world, ann)
    with pytest.raises(TooManyAttempts):
        await upload_avatar(world, ann)

    await world.change_settings(admin.id, uploads_per_user_per_hour=0)
    for _ in range(100):
        await upload_avatar(world, ann)
