"""JSON request bodies decoded the way the contract reads: strictly.

Litestar converts bodies with msgspec's lax rules ("600" becomes 600, "true" becomes True)
and reads a body as JSON whatever its Content-Type. Here a handler's JSON body is decoded
by msgspec straight into its body type, with msgspec's strict rules, and only when it is
labelled JSON: a text/plain POST, which a browser sends cross-site without a preflight,
is refused with 415. JSON bodies are limited to 1 MiB even on routes that take uploads, and
to a nesting depth well below the interpreter's recursion limit: no Chirp body nests more
than a level or two, and deeper ones (``[[[[...]]]]``) would otherwise end in a
RecursionError, a 500 and a traceback as long as the nesting. A body the client cut off
(or framed so that the server gave up on it) is a 400 here, where Litestar makes it a 500.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator
from typing import Any, TypeVar

import msgspec
from litestar import Request
from litestar.exceptions import HTTPException, InternalServerException, ValidationException
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
)
from litestar.types import ReceiveMessage

MAX_JSON_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64
T = TypeVar("T")
_ERROR_PATH = re.compile(r"^(?P<message>.*?)(?: - at `\$\.?(?P<path>[^`]*)`)?$")


def media_type(request: Request[Any, Any, Any]) -> str:
    """The request body's media type, without parameters, lower-case ("" if none)."""
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


def _is_json(request: Request[Any, Any, Any]) -> bool:
    kind = media_type(request)
    return kind == "application/json" or kind.endswith("+json")


async def decode_json_body(request: Request[Any, Any, Any], target: type[T]) -> T:
    """The request's JSON body as ``target``, or a 400/413/415 problem."""
    body = await request.body()
    if len(body) > MAX_JSON_BODY_BYTES:
        raise HTTPException(
            status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            detail=f"A JSON body may be at most {MAX_JSON_BODY_BYTES} bytes.",
        )
    if body and not _is_json(request):
        raise HTTPException(
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail="Send the body as 'Content-Type: application/json'.",
        )
    try:
        try:
            return msgspec.json.decode(body or b"null", type=target)
        except msgspec.ValidationError:
            # JSON has one number type: 411.0 is the integer 411 (as JSON Schema says), and
            # some encoders write integers so. Retry with such numbers as ints.
            loose = msgspec.json.decode(body or b"null")
            return msgspec.convert(_integral_floats_as_ints(loose), type=target, strict=True)
    except (RecursionError, _TooDeep):
        # msgspec's decoder counts its depth against the recursion limit. No traceback: it
        # would be as long as the nesting; ``from None`` keeps it off the problem's cause.
        raise ValidationException(
            detail=f"The body is nested too deeply (at most {MAX_JSON_DEPTH} levels).",
            extra=[{"key": "body", "message": f"is nested more than {MAX_JSON_DEPTH} levels deep"}],
        ) from None
    except msgspec.ValidationError as error:
        match = _ERROR_PATH.match(str(error))
        key = match.group("path") if match and match.group("path") else "body"
        message = match.group("message") if match else str(error)
        raise ValidationException(extra=[{"key": key, "message": message}]) from error
    except (msgspec.DecodeError, UnicodeDecodeError) as error:
        raise ValidationException(
            detail=f"The body is not valid JSON: {error}",
            extra=[{"key": "body", "message": "is not valid JSON"}],
        ) from error


class _TooDeep(Exception):
    """A JSON value nested more than ``MAX_JSON_DEPTH`` levels."""


def _integral_floats_as_ints(value: Any, depth: int = 0) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list | dict) and depth >= MAX_JSON_DEPTH:
        raise _TooDeep
    if isinstance(value, list):
        return [_integral_floats_as_ints(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {key: _integral_floats_as_ints(item, depth + 1) for key, item in value.items()}
    return value


class IncompleteBody(HTTPException):
    """The request body ended early: the client went away, or the server could not parse
    its framing (a chunk size such as ``FFFFFFFFFFFFFFFFFF``); the ASGI server reports both
    as ``http.disconnect``. The client's fault, so a 400, not Litestar's 500."""

    status_code = HTTP_400_BAD_REQUEST
    detail = "The request body ended before it was complete."


class StrictJsonRequest(Request[Any, Any, Any]):
    async def stream(self) -> AsyncGenerator[bytes, None]:
        """The body as Litestar streams it (for JSON and multipart bodies alike), but a
        disconnect while reading it raises ``IncompleteBody`` instead of a 500."""
        receive = self.receive
        disconnected = False

        async def watched() -> ReceiveMessage:
            nonlocal disconnected
            message = await receive()
            if message["type"] == "http.disconnect":
                disconnected = True
            return message

        self.receive = watched
        try:
            async for chunk in super().stream():
                yield chunk
        except InternalServerException:
            if disconnected:
                raise IncompleteBody from None
            raise
        finally:
            self.receive = receive

    async def json(self) -> Any:
        data_field = self.route_handler.parsed_data_field
        target: Any = data_field.annotation if data_field is not None else Any
        return await decode_json_body(self, target)
