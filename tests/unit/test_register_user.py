from __future__ import annotations

import base64
import dataclasses
from datetime import timedelta

import pytest

from application.use_cases.register_user import RegisterUserCommand
from application.username_policy import UsernamePolicy
from domain.errors import (
    EmailTaken,
    FieldError,
    PasswordMismatch,
    UsernameTaken,
    ValidationError,
)
from tests.unit.world import PASSWORD, World, sha256_hex


def command(**overrides: str | None) -> RegisterUserCommand:
    fields: dict[str, str | None] = {
        "username": "alice",
        "email": "alice@example.com",
        "password": PASSWORD,
    }
    fields.update(overrides)
    return RegisterUserCommand(**fields)  # type: ignore[arg-type]


async def test_registration_stores_the_user_with_the_given_fields(world: World) -> None:
    result = await world.register(
        command(username="Alice_1", email="Alice@Example.com", first_name="A", bio="hi")
    )

    stored = world.stored_user(result.user.id)
    assert result.user.id > 0
    assert (stored.username, stored.email) == ("Alice_1", "Alice@Example.com")
    assert (stored.first_name, stored.last_name, stored.bio) == ("A", "", "hi")
    assert stored.created_at == world.clock.now()
    assert stored.is_active
    assert not stored.is_admin
    assert world.store.commits == 1


async def test_the_password_is_stored_only_as_the_hashers_output(world: World) -> None:
    result = await world.register(command(password_confirm=PASSWORD))

    stored = world.stored_user(result.user.id)
    assert stored.password_hash == await world.hasher.hash(PASSWORD)
    assert stored.password_hash != PASSWORD
    assert await world.hasher.verify(stored.password_hash, PASSWORD)


async def test_registration_starts_a_session_with_a_hashed_refresh_token(world: World) -> None:
    result = await world.sign_up("alice")
    tokens = result.tokens

    (session,) = world.store.sessions.values()
    assert session.id == tokens.session_id
    assert session.user_id == result.user.id
    assert not session.is_revoked
    (token,) = world.store.refresh_tokens.values()
    assert token.token_hash == sha256_hex(tokens.refresh_token)
    assert tokens.refresh_token not in dataclasses.asdict(token).values()
    assert (token.session_id, token.user_id, token.parent_id) == (session.id, result.user.id, None)
    assert token.expires_at == world.clock.now() + timedelta(days=30)


async def test_refresh_tokens_carry_at_least_256_random_bits(world: World) -> None:
    first = (await world.sign_up("alice")).tokens.refresh_token
    second = (await world.sign_up("bob")).tokens.refresh_token

    assert first != second
    assert len(base64.urlsafe_b64decode(first + "=" * (-len(first) % 4))) >= 32


async def test_the_access_token_names_the_user_and_the_session(world: World) -> None:
    result = await world.sign_up("alice")

    claims = world.claims(result.tokens.access_token)
    assert claims.user_id == result.user.id
    assert claims.session_id == result.tokens.session_id
    assert claims.is_admin is False
    assert claims.issued_at == world.clock.now()
    assert claims.expires_at == world.clock.now() + timedelta(seconds=30)


async def test_token_lifetimes_follow_the_stored_settings() -> None:
    world = await World.start(
        settings={"access_token_ttl_seconds": 300, "refresh_token_ttl_seconds": 7200}
    )

    tokens = (await world.sign_up("alice")).tokens

    assert (tokens.expires_in, tokens.refresh_expires_in) == (300, 7200)
    claims = world.claims(tokens.access_token)
    assert claims.expires_at - claims.issued_at == timedelta(seconds=300)
    assert world.stored_token(tokens.refresh_token).expires_at == world.clock.now() + timedelta(
        seconds=7200
    )


async def test_default_lifetimes_are_the_contracts(world: World) -> None:
    tokens = (await world.sign_up("alice")).tokens

    assert (tokens.expires_in, tokens.refresh_expires_in) == (30, 30 * 86400)


@pytest.mark.parametrize("username", ["abc", "a" * 30, "Alice_99", "___", "ALLCAPS", "0123456789"])
async def test_valid_usernames_are_accepted(world: World, username: str) -> None:
    result = await world.register(command(username=username))

    assert world.stored_user(result.user.id).username == username


@pytest.mark.parametrize("username", ["active", "Active", "ACTIVE"])
def test_a_reserved_name_is_refused_in_any_case(username: str) -> None:
    policy = UsernamePolicy(reserved=["active"])

    with pytest.raises(ValidationError) as raised:
        policy.check(username)

    assert raised.value.errors == [FieldError("username", "is reserved")]
    assert policy.check("actively").value == "actively"


@pytest.mark.parametrize(
    "email",
    ["a@b.co", "first.last+tag@sub.example.org", "x" * 64 + "@example.com", "ALICE@EXAMPLE.COM"],
)
async def test_valid_emails_are_accepted(world: World, email: str) -> None:
    result = await world.register(command(email=email))

    assert world.stored_user(result.user.id).email == email


@pytest.mark.parametrize(
    "overrides",
    [
        {"password": "x" * 8},
        {"password": "y" * 128},
        {"password": "pass word with spaces"},
        {"first_name": "f" * 150, "last_name": "l" * 150, "bio": "b" * 160},
        {"bio": ""},
    ],
    ids=["password-8", "password-128", "password-spaces", "names-and-bio-at-limit", "empty-bio"],
)
async def test_values_at_the_limits_are_accepted(world: World, overrides: dict[str, str]) -> None:
    result = await world.register(command(**overrides))

    stored = world.stored_user(result.user.id)
    assert await world.hasher.verify(stored.password_hash, command(**overrides).password)
    assert stored.bio == overrides.get("bio", "")


INVALID = [
    ("username", {"username": "ab"}),
    ("username", {"username": "a" * 31}),
    ("username", {"username": ""}),
    ("username", {"username": "al ice"}),
    ("username", {"username": "al-ice"}),
    ("username", {"username": "al.ice"}),
    ("username", {"username": "alice!"}),
    ("username", {"username": "élise"}),
    ("username", {"username": "alice\n"}),
    ("email", {"email": "alice"}),
    ("email", {"email": "alice@"}),
    ("email", {"email": "@example.com"}),
    ("email", {"email": "alice@example"}),
    ("email", {"email": "alice@@example.com"}),
    ("email", {"email": "al ice@example.com"}),
    ("email", {"email": "alice@example..com"}),
    ("email", {"email": "alice@.example.com"}),
    ("email", {"email": "x" * 65 + "@example.com"}),
    ("email", {"email": "a@" + "b" * 250 + ".com"}),
    ("password", {"password": "x" * 7}),
    ("password", {"password": "y" * 129}),
    ("password", {"password": ""}),
    ("password", {"username": "alice_smith", "password": "ALICE_SMITH"}),
    ("password", {"email": "alice@example.com", "password": "Alice@Example.COM"}),
    ("password", {"password": "password"}),
    ("password", {"password": "PassWord"}),
    ("password", {"password": "12345678"}),
    ("first_name", {"first_name": "f" * 151}),
    ("last_name", {"last_name": "l" * 151}),
    ("bio", {"bio": "b" * 161}),
]


@pytest.mark.parametrize(
    ("field", "overrides"), INVALID, ids=[f"{f}-{i}" for i, (f, _) in enumerate(INVALID)]
)
async def test_each_input_rule_is_enforced_and_nothing_is_stored(
    world: World, field: str, overrides: dict[str, str]
) -> None:
    with pytest.raises(ValidationError) as raised:
        await world.register(command(**overrides))

    assert type(raised.value) is ValidationError
    assert raised.value.code == "validation_error"
    assert [e.field for e in raised.value.errors] == [field]
    assert world.footprint() == (0, 0, 0, 0)


async def test_every_invalid_field_is_reported_at_once(world: World) -> None:
    with pytest.raises(ValidationError) as raised:
        await world.register(
            command(username="a!", email="not-an-email", password="short", bio="b" * 161)
        )

    assert {e.field for e in raised.value.errors} == {"username", "email", "password", "bio"}
    assert all(e.message for e in raised.value.errors)
    assert world.footprint() == (0, 0, 0, 0)


async def test_every_invalid_profile_field_is_reported_at_once(world: World) -> None:
    with pytest.raises(ValidationError) as raised:
        await world.register(command(first_name="f" * 151, last_name="l" * 151, bio="b" * 161))

    assert {e.field for e in raised.value.errors} == {"first_name", "last_name", "bio"}


async def test_a_mismatched_confirmation_is_refused(world: World) -> None:
    with pytest.raises(PasswordMismatch) as raised:
        await world.register(command(password_confirm=PASSWORD + "!"))

    assert raised.value.code == "password_mismatch"
    assert [e.field for e in raised.value.errors] == ["password_confirm"]
    assert world.footprint() == (0, 0, 0, 0)


@pytest.mark.parametrize("taken", ["alice", "ALICE", "aLiCe"])
async def test_a_username_is_taken_case_insensitively(world: World, taken: str) -> None:
    await world.sign_up("alice")
    before = world.footprint()

    with pytest.raises(UsernameTaken) as raised:
        await world.register(command(username=taken, email="other@example.com"))

    assert raised.value.code == "username_taken"
    assert world.footprint() == before


@pytest.mark.parametrize("taken", ["alice@example.com", "ALICE@EXAMPLE.COM", "Alice@example.Com"])
async def test_an_email_is_taken_case_insensitively(world: World, taken: str) -> None:
    await world.sign_up("alice")
    before = world.footprint()

    with pytest.raises(EmailTaken) as raised:
        await world.register(command(username="bob", email=taken))

    assert raised.value.code == "email_taken"
    assert world.footprint() == before
