"""Domain errors: each carries a stable, machine-readable ``code``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One invalid input field and why."""

    field: str
    message: str


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""

    code = "domain_error"
    default_detail = "The request could not be completed."

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.default_detail
        super().__init__(self.detail)


class ValidationError(DomainError):
    code = "validation_error"
    default_detail = "The request contains invalid fields."

    def __init__(self, errors: list[FieldError], detail: str | None = None) -> None:
        super().__init__(detail)
        self.errors = errors

    @classmethod
    def single(cls, field: str, message: str) -> ValidationError:
        return cls([FieldError(field, message)])


class PasswordMismatch(ValidationError):
    code = "password_mismatch"
    default_detail = "The two passwords do not match."

    def __init__(self) -> None:
        super().__init__([FieldError("password_confirm", "must equal password")])


class CannotFollowSelf(DomainError):
    code = "cannot_follow_self"
    default_detail = "You cannot follow yourself."


class CannotBlockSelf(DomainError):
    code = "cannot_block_self"
    default_detail = "You cannot block yourself."


class CannotMuteSelf(DomainError):
    code = "cannot_mute_self"
    default_detail = "You cannot mute yourself."


class InvalidCursor(DomainError):
    code = "invalid_cursor"
    default_detail = "The cursor is not one this API gave out."


class InvalidImage(DomainError):
    code = "invalid_image"
    default_detail = "The file is not a JPEG, PNG, GIF or WebP image of at most 4096x4096 pixels."


class ImageTooLarge(DomainError):
    code = "request_too_large"  # the code of every 413, a JSON body's too
    default_detail = "The image is larger than the allowed size."


class WrongCurrentPassword(DomainError):
    code = "wrong_current_password"
    default_detail = "The current password is wrong."


class Conflict(DomainError):
    code = "conflict"


class UsernameTaken(Conflict):
    code = "username_taken"
    default_detail = "This username is already taken."


class EmailTaken(Conflict):
    code = "email_taken"
    default_detail = "An account with this email already exists."


class AuthenticationFailed(DomainError):
    code = "authentication_failed"


class InvalidCredentials(AuthenticationFailed):
    """The client sees one answer for every cause; ``reason`` and ``user_id`` (when the
    account exists) are for the security log only."""

    code = "invalid_credentials"
    default_detail = "No active account found with the given credentials"

    def __init__(self, reason: str = "invalid_credentials", user_id: int | None = None) -> None:
        super().__init__()
        self.reason = reason
        self.user_id = user_id


class InvalidAccessToken(AuthenticationFailed):
    code = "invalid_token"
    default_detail = "The access token is missing, malformed, expired or forged."


class InvalidRefreshToken(AuthenticationFailed):
    code = "invalid_refresh_token"
    default_detail = "The refresh token is not valid."


class RefreshTokenExpired(AuthenticationFailed):
    code = "refresh_token_expired"
    default_detail = "The refresh token has expired; log in again."


class RefreshTokenRotated(AuthenticationFailed):
    code = "refresh_token_rotated"
    default_detail = "The refresh token was just rotated; use the newest one."


class RefreshTokenReused(AuthenticationFailed):
    code = "refresh_token_reused"
    default_detail = "The refresh token was already used; the session has been revoked."

    def __init__(self, session_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__()
        self.session_id = session_id
        self.user_id = user_id


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    default_detail = "Too many attempts; try again later."

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many attempts; try again in {retry_after} seconds.")
        self.retry_after = retry_after


class TooManyWrites(TooManyAttempts):
    """Past ``writes_per_user_per_hour``: the write was refused before it changed anything."""

    code = "too_many_requests"
    default_detail = "Too many writes; try again later."

    def __init__(self, retry_after: int) -> None:
        DomainError.__init__(
            self, f"Too many writes in the last hour; try again in {retry_after} seconds."
        )
        self.retry_after = retry_after


class IdempotencyKeyInUse(Conflict):
    code = "idempotency_key_in_use"
    default_detail = (
        "A request with this Idempotency-Key is still being processed; retry once it is done."
    )


class IdempotencyKeyMismatch(DomainError):
    code = "idempotency_key_mismatch"
    default_detail = "This Idempotency-Key was already used with a different request body."


class Forbidden(DomainError):
    code = "forbidden"


class AdminRequired(Forbidden):
    code = "admin_required"
    default_detail = "This action needs an administrator."


class NotAuthor(Forbidden):
    code = "not_author"
    default_detail = "Only the author may do this."


class EditWindowClosed(Forbidden):
    code = "edit_window_closed"
    default_detail = "This tweet can no longer be edited: the time to edit it is over."


class EditLimitReached(Forbidden):
    code = "edit_limit_reached"
    default_detail = "This tweet has been edited as many times as allowed."


class Blocked(Forbidden):
    code = "blocked"
    default_detail = "A block between you and this account forbids it."


class NotFound(DomainError):
    code = "not_found"


class UserNotFound(NotFound):
    code = "user_not_found"
    default_detail = "No such user."


class TweetNotFound(NotFound):
    code = "tweet_not_found"
    default_detail = "No such tweet."


class MediaNotFound(NotFound):
    code = "media_not_found"
    default_detail = "No such file."


class InvalidMedia(DomainError):
    code = "invalid_media"
    default_detail = (
        "media_ids must list at most 4 distinct uploads of your own that no tweet has attached."
    )


class NotOwner(Forbidden):
    code = "not_owner"
    default_detail = "Only the uploader may do this."
