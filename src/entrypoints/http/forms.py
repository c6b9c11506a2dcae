"""Multipart uploads: a form's fields, checked like a JSON body's."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from litestar._multipart import parse_multipart_form
from litestar.datastructures import FormMultiDict, UploadFile
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import (
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
)

from domain.errors import InvalidImage
from domain.settings import SETTING_RANGES
from entrypoints.http.strict_json import media_type

# Room in an upload's body beside its file: boundaries, part headers, a tweet's text.
FORM_OVERHEAD_BYTES = 64 * 1024
# Route limit for uploads: the largest max_image_bytes an admin may set, plus that room.
# The runtime setting itself bounds each body while it streams (``read_form``), and the
# file exactly in the use case (413 request_too_large).
MAX_UPLOAD_BODY_BYTES = SETTING_RANGES["max_image_bytes"][1] + FORM_OVERHEAD_BYTES


@dataclass(frozen=True, slots=True)
class UploadForm:
    texts: dict[str, str]
    files: dict[str, bytes] = field(repr=False)


def is_multipart(request: Request[Any, Any, Any]) -> bool:
    return media_type(request) == "multipart/form-data"


def _too_large(limit: int) -> HTTPException:
    return HTTPException(
        status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        detail=f"An upload's body may be at most {limit} bytes.",
    )


async def _at_most(chunks: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    """``chunks`` as they come, until more than ``limit`` bytes have: then a 413."""
    received = 0
    async for chunk in chunks:
        received += len(chunk)
        if received > limit:
            raise _too_large(limit)
        yield chunk


async def read_form(
    request: Request[Any, Any, Any],
    *,
    text_fields: set[str],
    file_fields: set[str],
    max_file_bytes: int,
) -> UploadForm:
    """The form's fields; 415 unless multipart, 400 for unknown or repeated fields.

    The body may be ``max_file_bytes`` (the runtime setting) plus room for the form: a
    Content-Length over that is a 413 before anything is read, and a body that streams past
    it (chunked, or longer than it said) a 413 as soon as it does, so a large upload costs
    no more memory or disk than the limit.
    """
    if not is_multipart(request):
        raise HTTPException(
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail="Send the upload as 'Content-Type: multipart/form-data'.",
        )
    limit = max_file_bytes + FORM_OVERHEAD_BYTES
    announced = request.content_length
    if announced is not None and announced > limit:
        raise _too_large(limit)
    boundary = request.content_type[1].get("boundary")
    if not boundary:
        raise ValidationException(
            detail="The multipart body has no boundary.",
            extra=[{"key": "body", "message": "is not a readable multipart form"}],
        )
    try:
        # What ``request.form()`` does, with the body bounded by the runtime limit.
        parsed = await parse_multipart_form(
            stream=_at_most(request.stream(), limit),
            boundary=boundary.encode(),
            multipart_form_part_limit=request.app.multipart_form_part_limit,
        )
        form = FormMultiDict.from_form_data(parsed)
    except HTTPException:
        raise
    except Exception as error:  # the parser's errors on malformed parts vary
        raise ValidationException(
            detail="The multipart body could not be read.",
            extra=[{"key": "body", "message": "is not a readable multipart form"}],
        ) from error
    texts: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for name, value in form.multi_items():
        if name not in text_fields | file_fields:
            raise ValidationException(extra=[{"key": name, "message": "is not a known field"}])
        if name in texts or name in files:
            raise ValidationException(extra=[{"key": name, "message": "is given twice"}])
        if name in file_fields:
            if not isinstance(value, UploadFile):
                raise InvalidImage(f"The '{name}' field must be a file.")
            files[name] = await value.read()
        elif isinstance(value, UploadFile):
            raise ValidationException(extra=[{"key": name, "message": "must be text"}])
        else:
            texts[name] = value
    return UploadForm(texts=texts, files=files)
