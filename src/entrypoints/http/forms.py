"""Multipart uploads: a form's fields, checked like a JSON body's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE

from domain.errors import InvalidImage
from entrypoints.http.strict_json import media_type

# Route limit for uploads: the largest max_image_bytes allowed, plus room for the form.
# The runtime setting itself is enforced by the use case (413 request_too_large).
MAX_UPLOAD_BODY_BYTES = 50 * 1024 * 1024 + 64 * 1024


@dataclass(frozen=True, slots=True)
class UploadForm:
    texts: dict[str, str]
    files: dict[str, bytes] = field(repr=False)


def is_multipart(request: Request[Any, Any, Any]) -> bool:
    return media_type(request) == "multipart/form-data"


async def read_form(
    request: Request[Any, Any, Any], *, text_fields: set[str], file_fields: set[str]
) -> UploadForm:
    """The form's fields; 415 unless multipart, 400 for unknown or repeated fields."""
    if not is_multipart(request):
        raise HTTPException(
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail="Send the upload as 'Content-Type: multipart/form-data'.",
        )
    try:
        form = await request.form()
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
