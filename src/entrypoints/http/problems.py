"""One table from errors to RFC 9457 problem documents (application/problem+json)."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import ExceptionHandlersMap
from msgspec import UNSET, UnsetType

from application.errors import DependencyUnavailable
from domain.errors import (
    AuthenticationFailed,
    CannotBlockSelf,
    CannotFollowSelf,
    CannotMuteSelf,
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    IdempotencyKeyMismatch,
    ImageTooLarge,
    InvalidAccessToken,
    InvalidCursor,
    InvalidImage,
    InvalidMedia,
    NotFound,
    TooManyAttempts,
    ValidationError,
    WrongCurrentPassword,
)
from entrypoints.http.request_context import log_extra

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger("chirp.http")

# Most specific first: the first class an error is an instance of decides its status.
STATUS_BY_ERROR: list[tuple[type[DomainError], HTTPStatus]] = [
    (ValidationError, HTTPStatus.BAD_REQUEST),
    (WrongCurrentPassword, HTTPStatus.BAD_REQUEST),
    (CannotFollowSelf, HTTPStatus.BAD_REQUEST),
    (CannotBlockSelf, HTTPStatus.BAD_REQUEST),
    (CannotMuteSelf, HTTPStatus.BAD_REQUEST),
    (InvalidCursor, HTTPStatus.BAD_REQUEST),
    (InvalidImage, HTTPStatus.BAD_REQUEST),
    (InvalidMedia, HTTPStatus.BAD_REQUEST),
    (ImageTooLarge, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    (AuthenticationFailed, HTTPStatus.UNAUTHORIZED),
    (Forbidden, HTTPStatus.FORBIDDEN),
    (NotFound, HTTPStatus.NOT_FOUND),
    (Conflict, HTTPStatus.CONFLICT),
    (IdempotencyKeyMismatch, HTTPStatus.UNPROCESSABLE_ENTITY),
    (TooManyAttempts, HTTPStatus.TOO_MANY_REQUESTS),
]

CODE_BY_STATUS = {
    HTTPStatus.BAD_REQUEST: "bad_request",
    HTTPStatus.UNAUTHORIZED: "not_authenticated",
    HTTPStatus.FORBIDDEN: "forbidden",
    HTTPStatus.NOT_FOUND: "not_found",
    HTTPStatus.METHOD_NOT_ALLOWED: "method_not_allowed",
    HTTPStatus.NOT_ACCEPTABLE: "not_acceptable",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "request_too_large",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    HTTPStatus.UNPROCESSABLE_ENTITY: "unprocessable_entity",
    HTTPStatus.TOO_MANY_REQUESTS: "too_many_requests",
    HTTPStatus.SERVICE_UNAVAILABLE: "service_unavailable",
}


class FieldErrorBody(msgspec.Struct):
    field: str
    message: str


class ProblemDocument(msgspec.Struct):
    """An RFC 9457 problem document, with Chirp's stable ``code``."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldErrorBody] | UnsetType = UNSET


def documented(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem documents a route can answer with."""
    return {
        status: ResponseSpec(
            data_container=ProblemDocument,
            media_type=PROBLEM_JSON,
            description=HTTPStatus(status).phrase,
            generate_examples=False,
        )
        for status in statuses
    }


def problem(
    status: HTTPStatus,
    code: str,
    detail: str,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": status.phrase,
        "status": status.value,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    return Response(body, status_code=status.value, media_type=PROBLEM_JSON, headers=headers)


def _domain_error(_: Request[Any, Any, Any], error: DomainError) -> Response[dict[str, Any]]:
    status = next(s for cls, s in STATUS_BY_ERROR if isinstance(error, cls))
    headers = None
    if status == HTTPStatus.UNAUTHORIZED:
        headers = {"WWW-Authenticate": "Bearer"}
        if isinstance(error, InvalidAccessToken):
            headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    if isinstance(error, TooManyAttempts):
        headers = {"Retry-After": str(error.retry_after)}
    errors = error.errors if isinstance(error, ValidationError) else None
    return problem(status, error.code, error.detail, errors=errors, headers=headers)


_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]*)`")
_MISSING_FIELD = re.compile(r"missing required field `([^`]*)`")
EMPTY_BODY = "The request body is empty: send a JSON object."


def _field_error(item: dict[str, Any]) -> FieldError:
    """A msgspec decoding complaint as a field error (``$.a.b`` becomes ``a.b``)."""
    if item.get("key") == "data" and item.get("source") == "body":
        # Litestar hands a handler no ``data`` at all for an empty body (and reports the
        # missing argument as the KeyError "'data'"); a present body is decoded by
        # StrictJsonRequest, whose complaints name a field or "body".
        return FieldError("body", EMPTY_BODY)
    message = str(item.get("message", "is invalid"))
    unknown = _UNKNOWN_FIELD.search(message)
    if unknown:
        return FieldError(unknown.group(1), "is not a known field")
    missing = _MISSING_FIELD.search(message)
    if missing:
        return FieldError(missing.group(1), "is required")
    key = str(item.get("key") or "").removeprefix("$").removeprefix(".")
    return FieldError(key if key and key != "data" else "body", message)


def _http_error(_: Request[Any, Any, Any], error: HTTPException) -> Response[dict[str, Any]]:
    status = HTTPStatus(error.status_code)
    if status == HTTPStatus.BAD_REQUEST:
        extra = error.extra if isinstance(error.extra, list) else []
        errors = [_field_error(item) for item in extra if isinstance(item, dict)]
        if len(errors) == 1 and errors[0].message == EMPTY_BODY:
            detail = EMPTY_BODY
        else:
            detail = "The request contains invalid fields." if errors else str(error.detail)
        return problem(
            status,
            "validation_error",
            detail,
            errors=errors or [FieldError("body", str(error.detail))],
        )
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return _unexpected(_, error)
    code = CODE_BY_STATUS.get(status, status.phrase.lower().replace(" ", "_"))
    detail = error.detail if error.detail and error.detail != status.phrase else status.description
    return problem(status, code, detail, headers=error.headers)


# Which services Chirp runs on stays out of answers, except the one every deployment has.
_UNAVAILABLE_DETAIL = {
    "database": "The database is unavailable; try again shortly.",
    "media store": "The media store is unavailable; try again shortly.",
}


def _dependency_unavailable(
    request: Request[Any, Any, Any], error: DependencyUnavailable
) -> Response[dict[str, Any]]:
    logger.warning(
        "%s unavailable: %s", error.dependency, error.reason, extra=log_extra(request.scope)
    )
    return problem(
        HTTPStatus.SERVICE_UNAVAILABLE,
        "service_unavailable",
        _UNAVAILABLE_DETAIL.get(
            error.dependency, "A service Chirp depends on is unavailable; try again shortly."
        ),
        headers={"Retry-After": "5"},
    )


def _unexpected(_: Request[Any, Any, Any], error: Exception) -> Response[dict[str, Any]]:
    logger.exception("unhandled error", exc_info=error, extra=log_extra(_.scope))
    return problem(
        HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "Something went wrong on our side."
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: _domain_error,
    HTTPException: _http_error,
    DependencyUnavailable: _dependency_unavailable,
    Exception: _unexpected,
}
