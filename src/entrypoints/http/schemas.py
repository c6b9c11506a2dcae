"""Request and response bodies. Requests reject unknown fields, so nothing is mass-assigned."""

from __future__ import annotations

from datetime import datetime

import msgspec
from msgspec import UNSET, UnsetType

from application.token_issuer import TokenPair
from domain.settings import RuntimeSettings
from domain.users import User


class RequestBody(msgspec.Struct, forbid_unknown_fields=True):
    pass


class RegisterRequest(RequestBody):
    username: str
    email: str
    password: str
    password_confirm: str | None = None
    first_name: str = ""
    last_name: str = ""
    bio: str = ""


class LoginRequest(RequestBody):
    password: str
    username: str | None = None
    email: str | None = None


class RefreshTokenRequest(RequestBody):
    refresh_token: str


class UpdateMeRequest(RequestBody):
    username: str | UnsetType = UNSET
    email: str | UnsetType = UNSET
    first_name: str | UnsetType = UNSET
    last_name: str | UnsetType = UNSET
    bio: str | UnsetType = UNSET
    password: str | UnsetType = UNSET
    current_password: str | UnsetType = UNSET


class SettingsPatch(RequestBody):
    access_token_ttl_seconds: int | UnsetType = UNSET
    refresh_token_ttl_seconds: int | UnsetType = UNSET
    refresh_reuse_grace_seconds: int | UnsetType = UNSET
    login_failures_per_account: int | UnsetType = UNSET
    login_failures_per_address: int | UnsetType = UNSET
    registrations_per_address_per_hour: int | UnsetType = UNSET
    max_image_bytes: int | UnsetType = UNSET


class TokenPairResponse(msgspec.Struct):
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    token_type: str = "Bearer"

    @classmethod
    def of(cls, pair: TokenPair) -> TokenPairResponse:
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
            refresh_expires_in=pair.refresh_expires_in,
        )


class UserPrivate(msgspec.Struct):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    bio: str
    avatar_url: str | None
    is_admin: bool
    created_at: datetime
    last_login: datetime | None
    followers_count: int
    following_count: int
    tweets_count: int

    @classmethod
    def of(cls, user: User) -> UserPrivate:
        return cls(
            id=user.id,
            username=user.username,
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            bio=user.bio,
            avatar_url=media_url(user.avatar),
            is_admin=user.is_admin,
            created_at=user.created_at,
            last_login=user.last_login,
            followers_count=user.followers_count,
            following_count=user.following_count,
            tweets_count=user.tweets_count,
        )


class RegisterResponse(msgspec.Struct):
    user: UserPrivate
    tokens: TokenPairResponse


class SettingsResponse(msgspec.Struct):
    access_token_ttl_seconds: int
    refresh_token_ttl_seconds: int
    refresh_reuse_grace_seconds: int
    login_failures_per_account: int
    login_failures_per_address: int
    registrations_per_address_per_hour: int
    max_image_bytes: int

    @classmethod
    def of(cls, settings: RuntimeSettings) -> SettingsResponse:
        return cls(**settings.as_dict())


class HealthResponse(msgspec.Struct):
    status: str


def media_url(name: str | None) -> str | None:
    return None if name is None else f"/media/{name}"


def given(value: str | UnsetType) -> str | None:
    """An optional request field as the use cases take it: None when absent."""
    return None if isinstance(value, UnsetType) else value
