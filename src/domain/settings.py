"""Runtime settings: limits an administrator changes while the service runs."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from domain.errors import FieldError, ValidationError

DAY = 86400

# The windows the throttling limits count in (API.md: "10 per 15 min", "100 per 10 min").
LOGIN_FAILURES_PER_ACCOUNT_WINDOW = timedelta(minutes=15)
LOGIN_FAILURES_PER_ADDRESS_WINDOW = timedelta(minutes=10)
REGISTRATIONS_PER_ADDRESS_WINDOW = timedelta(hours=1)
UPLOADS_PER_USER_WINDOW = timedelta(hours=1)
WRITES_PER_USER_WINDOW = timedelta(hours=1)

# Inclusive bounds of every setting. For the throttling and rate limits 0 means unlimited.
SETTING_RANGES: dict[str, tuple[int, int]] = {
    "access_token_ttl_seconds": (5, DAY),
    "refresh_token_ttl_seconds": (60, 365 * DAY),
    "refresh_reuse_grace_seconds": (0, 60),
    "login_failures_per_account": (0, 100_000),
    "login_failures_per_address": (0, 1_000_000),
    "registrations_per_address_per_hour": (0, 1_000_000),
    "max_image_bytes": (1024, 50 * 1024 * 1024),
    "uploads_per_user_per_hour": (0, 100_000),
    "writes_per_user_per_hour": (0, 1_000_000),
    "fanout_max_followers": (0, 100_000_000),
    # For the two edit settings 0 means no edits.
    "tweet_edit_window_seconds": (0, 7 * DAY),
    "tweet_max_edits": (0, 100),
    "unattached_media_ttl_seconds": (300, 7 * DAY),
}


@dataclass(frozen=True, slots=True)
class RuntimeSettings:
    """The current value of every runtime setting."""

    access_token_ttl_seconds: int = 30
    refresh_token_ttl_seconds: int = 30 * DAY
    refresh_reuse_grace_seconds: int = 10
    login_failures_per_account: int = 10
    login_failures_per_address: int = 100
    registrations_per_address_per_hour: int = 20
    max_image_bytes: int = 5 * 1024 * 1024
    uploads_per_user_per_hour: int = 60
    writes_per_user_per_hour: int = 1000
    fanout_max_followers: int = 10_000
    tweet_edit_window_seconds: int = 3600
    tweet_max_edits: int = 5
    unattached_media_ttl_seconds: int = DAY

    @property
    def access_token_ttl(self) -> timedelta:
        return timedelta(seconds=self.access_token_ttl_seconds)

    @property
    def refresh_token_ttl(self) -> timedelta:
        return timedelta(seconds=self.refresh_token_ttl_seconds)

    @property
    def refresh_reuse_grace(self) -> timedelta:
        return timedelta(seconds=self.refresh_reuse_grace_seconds)

    @property
    def tweet_edit_window(self) -> timedelta:
        return timedelta(seconds=self.tweet_edit_window_seconds)

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)

    def changed(self, changes: Mapping[str, object]) -> RuntimeSettings:
        """A copy with ``changes`` applied; every unknown key or bad value is reported."""
        errors: list[FieldError] = []
        for key, value in changes.items():
            bounds = SETTING_RANGES.get(key)
            if bounds is None:
                errors.append(FieldError(key, "is not a setting"))
            elif not isinstance(value, int) or isinstance(value, bool):
                errors.append(FieldError(key, "must be an integer"))
            elif not bounds[0] <= value <= bounds[1]:
                errors.append(FieldError(key, f"must be between {bounds[0]} and {bounds[1]}"))
        if errors:
            raise ValidationError(errors)
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_stored(cls, stored: Mapping[str, int]) -> RuntimeSettings:
        """Settings from storage: keys it does not know (yet) are ignored."""
        return cls().changed({k: v for k, v in stored.items() if k in SETTING_RANGES})
