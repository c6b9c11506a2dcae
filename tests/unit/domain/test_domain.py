from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from domain import errors
from domain.errors import FieldError, ValidationError
from domain.sessions import RefreshToken, Session, hash_refresh_token, new_refresh_token
from domain.settings import RuntimeSettings
from domain.users import (
    Email,
    Password,
    Profile,
    User,
    Username,
    canonical_email,
    canonical_username,
)
from domain.validation import Validation

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
US = timedelta(microseconds=1)


def token(**fields: object) -> RefreshToken:
    values: dict[str, object] = {
        "session_id": 1,
        "user_id": 1,
        "token_hash": "h",
        "created_at": T0,
        "expires_at": T0 + timedelta(hours=1),
    }
    values.update(fields)
    return RefreshToken(**values)  # type: ignore[arg-type]


# --- refresh tokens and sessions ----------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expired"),
    [
        (T0, False),
        (T0 + timedelta(hours=1) - US, False),
        (T0 + timedelta(hours=1), True),
        (T0 + timedelta(hours=1) + US, True),
    ],
)
def test_a_refresh_token_is_expired_from_its_expiry_on(now: datetime, expired: bool) -> None:
    assert token().is_expired(now) is expired


@pytest.mark.parametrize(
    ("since_rotation", "grace", "within"),
    [
        (timedelta(0), timedelta(seconds=10), True),
        (timedelta(seconds=10), timedelta(seconds=10), True),
        (timedelta(seconds=10) + US, timedelta(seconds=10), False),
        (timedelta(0), timedelta(0), True),
        (US, timedelta(0), False),
    ],
)
def test_rotated_within_includes_the_end_of_the_grace_window(
    since_rotation: timedelta, grace: timedelta, within: bool
) -> None:
    rotated = token(rotated_at=T0)

    assert rotated.is_rotated
    assert rotated.rotated_within(T0 + since_rotation, grace) is within


def test_a_token_never_rotated_is_not_rotated_within_any_window() -> None:
    fresh = token()

    assert not fresh.is_rotated
    assert not fresh.rotated_within(T0, timedelta(days=365))


def test_revoking_a_session_keeps_the_first_revocation_time() -> None:
    session = Session(user_id=1, created_at=T0)
    assert not session.is_revoked

    session.revoke(T0 + timedelta(minutes=1))
    session.revoke(T0 + timedelta(minutes=2))

    assert session.is_revoked
    assert session.revoked_at == T0 + timedelta(minutes=1)


def test_refresh_tokens_are_hashed_with_sha256() -> None:
    assert hash_refresh_token("abc") == hashlib.sha256(b"abc").hexdigest()
    assert hash_refresh_token("abc") != hash_refresh_token("abd")


def test_new_refresh_tokens_are_long_url_safe_and_unique() -> None:
    made = {new_refresh_token() for _ in range(100)}

    assert len(made) == 100
    assert all(len(t) >= 43 for t in made)  # 256 bits in base64url
    assert all(
        set(t) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for t in made
    )


def test_a_refresh_tokens_hash_is_kept_out_of_its_repr() -> None:
    assert "secret-hash" not in repr(token(token_hash="secret-hash"))


# --- runtime settings ---------------------------------------------------------------------


def test_changed_returns_a_copy_with_the_changes() -> None:
    original = RuntimeSettings()

    updated = original.changed({"access_token_ttl_seconds": 60})

    assert updated.access_token_ttl == timedelta(seconds=60)
    assert original.access_token_ttl == timedelta(seconds=30)
    assert updated.refresh_token_ttl == timedelta(days=30)
    assert updated.refresh_reuse_grace == timedelta(seconds=10)


def test_changed_reports_every_bad_key() -> None:
    with pytest.raises(ValidationError) as raised:
        RuntimeSettings().changed(
            {"nope": 1, "max_image_bytes": 1, "refresh_reuse_grace_seconds": "5"}
        )

    assert {e.field for e in raised.value.errors} == {
        "nope",
        "max_image_bytes",
        "refresh_reuse_grace_seconds",
    }


@pytest.mark.parametrize(
    ("key", "low", "high"),
    [
        ("access_token_ttl_seconds", 5, 86400),
        ("refresh_token_ttl_seconds", 60, 31536000),
        ("refresh_reuse_grace_seconds", 0, 60),
        ("login_failures_per_account", 0, 100_000),
        ("registrations_per_address_per_hour", 0, 1_000_000),
        ("uploads_per_user_per_hour", 0, 100_000),
        ("writes_per_user_per_hour", 0, 1_000_000),
        ("fanout_max_followers", 0, 100_000_000),
        ("unattached_media_ttl_seconds", 300, 604800),
    ],
)
def test_changed_accepts_exactly_the_inclusive_range(key: str, low: int, high: int) -> None:
    for good in (low, high):
        assert RuntimeSettings().changed({key: good}).as_dict()[key] == good
    for bad in (low - 1, high + 1):
        with pytest.raises(ValidationError):
            RuntimeSettings().changed({key: bad})


def test_stored_settings_round_trip_and_unknown_stored_keys_are_ignored() -> None:
    stored = RuntimeSettings().changed({"access_token_ttl_seconds": 90}).as_dict()

    loaded = RuntimeSettings.from_stored(stored | {"retired_setting": 3})

    assert loaded.access_token_ttl_seconds == 90
    assert loaded.as_dict() == stored


# --- users --------------------------------------------------------------------------------


def test_usernames_and_emails_compare_case_insensitively() -> None:
    assert Username("Alice").canonical == Username("aLICE").canonical
    assert Email("Alice@Example.com").canonical == Email("alice@example.COM").canonical


KELVIN = "\u212a"  # KELVIN SIGN, which str.lower() turns into "k"


@pytest.mark.parametrize(
    "alias",
    [f"{KELVIN}ate", f"{KELVIN}ATE", "\uff4bate", "k\u0430te", "\u0130ate"],
    ids=["kelvin", "kelvin-upper", "fullwidth-k", "cyrillic-a", "dotted-capital-i"],
)
def test_only_ascii_letters_fold_so_no_other_character_aliases_one(alias: str) -> None:
    assert canonical_username(alias) != canonical_username("kate")
    assert canonical_email(f"{alias}@example.com") != canonical_email("kate@example.com")
    with pytest.raises(ValidationError):
        Username(alias)
    with pytest.raises(ValidationError):
        Email(f"{alias}@example.com")


@pytest.mark.parametrize(
    "address",
    ["kate@\u212aelvin.example", "kate@b\u00fccher.example", "k\u00e4te@example.com"],
)
def test_an_email_address_is_ascii(address: str) -> None:
    with pytest.raises(ValidationError):
        Email(address)
    assert Email("o'neil+chirp@xn--bcher-kva.example").canonical == (
        "o'neil+chirp@xn--bcher-kva.example"
    )


@pytest.mark.parametrize(
    ("password", "resembles"),
    [
        ("Alice_Smith", True),
        ("ALICE@EXAMPLE.COM", True),
        ("alice_smith!", False),
        ("alice@example", False),
    ],
)
def test_a_password_resembles_the_username_or_email_only_when_equal(
    password: str, resembles: bool
) -> None:
    assert Password(password).resembles("alice_smith", "alice@example.com") is resembles


def test_a_password_is_kept_out_of_its_repr() -> None:
    assert "hunter2hunter2" not in repr(Password("hunter2hunter2"))


def test_a_users_password_hash_is_kept_out_of_its_repr() -> None:
    user = User(username="alice", email="a@example.com", password_hash="argon-xyz", created_at=T0)

    assert "argon-xyz" not in repr(user)


def test_change_password_records_when() -> None:
    user = User(username="alice", email="a@example.com", password_hash="old", created_at=T0)

    user.change_password("new", T0 + timedelta(days=1))

    assert (user.password_hash, user.password_changed_at) == ("new", T0 + timedelta(days=1))


def test_profile_round_trips_through_the_user() -> None:
    user = User(username="alice", email="a@example.com", password_hash="h", created_at=T0)

    user.set_profile(Profile("A", "L", "bio"))

    assert user.profile == Profile("A", "L", "bio")


def test_validation_collects_every_failure() -> None:
    check = Validation()

    check.check(lambda: Username("!"))
    built = check.check(lambda: Username("fine"))
    check.add("other", "is wrong")

    assert built == Username("fine")
    with pytest.raises(ValidationError) as raised:
        check.raise_if_invalid()
    assert [e.field for e in raised.value.errors] == ["username", "other"]


def test_validation_with_no_failure_does_not_raise() -> None:
    check = Validation()
    check.check(lambda: Email("a@b.co"))

    check.raise_if_invalid()

    assert check.errors == []


# --- error codes are part of the contract --------------------------------------------------


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.ValidationError([FieldError("f", "m")]), "validation_error"),
        (errors.PasswordMismatch(), "password_mismatch"),
        (errors.WrongCurrentPassword(), "wrong_current_password"),
        (errors.UsernameTaken(), "username_taken"),
        (errors.EmailTaken(), "email_taken"),
        (errors.InvalidCredentials(), "invalid_credentials"),
        (errors.InvalidRefreshToken(), "invalid_refresh_token"),
        (errors.RefreshTokenExpired(), "refresh_token_expired"),
        (errors.RefreshTokenRotated(), "refresh_token_rotated"),
        (errors.RefreshTokenReused(), "refresh_token_reused"),
        (errors.AdminRequired(), "admin_required"),
        (errors.UserNotFound(), "user_not_found"),
    ],
)
def test_each_error_carries_its_contract_code(error: errors.DomainError, code: str) -> None:
    assert error.code == code
    assert error.detail
    assert str(error) == error.detail
