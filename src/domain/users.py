"""Users and the value objects that guard their fields."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import FieldError, ValidationError

MAX_USERNAME_LENGTH = 30
USERNAME_PATTERN = f"[A-Za-z0-9_]{{3,{MAX_USERNAME_LENGTH}}}"
_USERNAME = re.compile(USERNAME_PATTERN)
# Deliberately simple: one @, a dot in the domain, printable ASCII only (no spaces). An
# internationalised domain is written in its ASCII form (xn--...). Deliverability is the mail
# server's business; this only refuses what cannot be an address, and anything outside ASCII,
# whose case mappings and compatibility forms would let one address alias another
# ("\u212a" KELVIN SIGN lower-cases to "k").
_LOCAL_CHARACTERS = "\\x21-\\x3f\\x41-\\x7e"  # printable ASCII but @
_LABEL_CHARACTERS = "\\x21-\\x2d\\x2f-\\x3f\\x41-\\x7e"  # nor .
EMAIL_PATTERN = f"[{_LOCAL_CHARACTERS}]{{1,64}}@[{_LABEL_CHARACTERS}]+(\\.[{_LABEL_CHARACTERS}]+)+"
_EMAIL = re.compile(EMAIL_PATTERN)
MAX_EMAIL_LENGTH = 254  # RFC 5321's limit on a forward path
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
MAX_NAME_LENGTH = 150
MAX_BIO_LENGTH = 160


@dataclass(frozen=True, slots=True)
class Username:
    """3-30 characters of ``[A-Za-z0-9_]``, unique case-insensitively."""

    value: str

    def __post_init__(self) -> None:
        if not _USERNAME.fullmatch(self.value):
            raise ValidationError.single(
                "username", "must be 3-30 characters of letters, digits and underscores"
            )

    @property
    def canonical(self) -> str:
        return canonical_username(self.value)


def is_username(value: str) -> bool:
    """Whether ``value`` could name an account at all (no lookup needed otherwise)."""
    return _USERNAME.fullmatch(value) is not None


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def canonical_username(value: str) -> str:
    """The form usernames are compared and looked up in: only ASCII letters are case-folded,
    so a name with any other character (which no account has) matches none."""
    return value.translate(_ASCII_LOWER)


@dataclass(frozen=True, slots=True)
class Email:
    """A syntactically valid ASCII address, unique case-insensitively."""

    value: str

    def __post_init__(self) -> None:
        if len(self.value) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(self.value):
            raise ValidationError.single("email", "must be a valid email address")

    @property
    def canonical(self) -> str:
        return canonical_email(self.value)


def canonical_email(value: str) -> str:
    """The form email addresses are compared and looked up in: only ASCII letters are
    case-folded, every other character stands for itself (an address stored before addresses
    had to be ASCII matches only its own spelling; see migration 0003)."""
    return value.translate(_ASCII_LOWER)


@dataclass(frozen=True, slots=True)
class Password:
    """A new password: 8-128 characters, no composition rules, never truncated."""

    value: str = field(repr=False)

    def __post_init__(self) -> None:
        if not MIN_PASSWORD_LENGTH <= len(self.value) <= MAX_PASSWORD_LENGTH:
            raise ValidationError.single(
                "password",
                f"must be {MIN_PASSWORD_LENGTH}-{MAX_PASSWORD_LENGTH} characters",
            )

    def resembles(self, username: str, email: str) -> bool:
        """Whether the password merely repeats the account's username or email."""
        lowered = self.value.lower()
        return lowered in (username.lower(), email.lower())


@dataclass(frozen=True, slots=True)
class Profile:
    """The free-text part of an account."""

    first_name: str = ""
    last_name: str = ""
    bio: str = ""

    def __post_init__(self) -> None:
        limits = {
            "first_name": MAX_NAME_LENGTH,
            "last_name": MAX_NAME_LENGTH,
            "bio": MAX_BIO_LENGTH,
        }
        errors = [
            FieldError(name, f"must be at most {limit} characters")
            for name, limit in limits.items()
            if len(getattr(self, name)) > limit
        ] + [
            FieldError(name, "must not contain NUL characters")
            for name in limits
            if "\x00" in getattr(self, name)
        ]
        if errors:
            raise ValidationError(errors)


@dataclass(slots=True)
class User:
    """An account. ``id`` is 0 until a repository has stored it."""

    username: str
    email: str
    password_hash: str = field(repr=False)
    created_at: datetime
    first_name: str = ""
    last_name: str = ""
    bio: str = ""
    avatar: str | None = None
    is_admin: bool = False
    is_active: bool = True
    last_login: datetime | None = None
    password_changed_at: datetime | None = None
    # When the account was last deactivated (kept after a reactivation): access tokens
    # issued before it are void.
    deactivated_at: datetime | None = None
    followers_count: int = 0
    following_count: int = 0
    tweets_count: int = 0
    id: int = 0

    def deactivate(self, now: datetime) -> None:
        if self.is_active:
            self.is_active = False
            self.deactivated_at = now

    def reactivate(self) -> None:
        self.is_active = True

    def change_password(self, password_hash: str, now: datetime) -> None:
        self.password_hash = password_hash
        self.password_changed_at = now

    def set_profile(self, profile: Profile) -> None:
        self.first_name = profile.first_name
        self.last_name = profile.last_name
        self.bio = profile.bio

    @property
    def profile(self) -> Profile:
        return Profile(self.first_name, self.last_name, self.bio)


@dataclass(frozen=True, slots=True)
class Deactivation:
    """An account's last deactivation, as checks of its access tokens need it."""

    user_id: int
    at: datetime
    still_inactive: bool

    @classmethod
    def of(cls, user: User) -> Deactivation | None:
        if user.deactivated_at is None:
            return None
        return cls(user.id, user.deactivated_at, not user.is_active)

    def voids(self, issued_at: datetime) -> bool:
        """Whether an access token issued at ``issued_at`` (whole seconds) is void: every one
        while the account is inactive; once it is active again, those issued before it was
        deactivated (the sessions they belong to were revoked then)."""
        return self.still_inactive or issued_at < self.at.replace(microsecond=0)
