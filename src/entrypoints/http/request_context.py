"""Per-request id and security headers, added to every response by one before_send hook.

Kept cheap on purpose (it runs on every response): the headers are precomputed bytes, the
request id is an incoming ``X-Request-ID`` when it is a short safe token, else this
process's random prefix and a counter, computed once per request and kept in the ASGI scope's state.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
from typing import Any

from litestar.types import Message, Scope

from entrypoints.logs import FIELDS, REQUEST_ID

_STATE_KEY = "chirp.request_id"
_SAFE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")
_REQUEST_ID_HEADER = b"x-request-id"
# New ids: a random prefix per process and a counter; unique, and no syscall per request.
_ID_PREFIX = os.urandom(5).hex()
_id_counter = itertools.count(1)

DOCS_PATH = "/schema"
MEDIA_PATH = "/media/"
API_CSP = b"default-src 'none'; frame-ancestors 'none'"
# Swagger UI and ReDoc load everything from this origin (entrypoints/http/docs_pages.py); no
# inline scripts. Their styles are partly inline, ReDoc searches in a blob: worker, and both
# draw some images as data: URLs.
DOCS_CSP = (
    b"default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; "
    b"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

audit_logger = logging.getLogger("chirp.audit")


def request_id(scope: Scope) -> str:
    """This request's id: the client's ``X-Request-ID`` if safe, else a new one."""
    state = scope["state"]
    found: str | None = state.get(_STATE_KEY)
    if found is None:
        for name, value in scope["headers"]:
            if name == _REQUEST_ID_HEADER:
                if _SAFE_REQUEST_ID.fullmatch(value):
                    found = value.decode("ascii")
                break
        if found is None:
            found = f"{_ID_PREFIX}{next(_id_counter):x}"
        state[_STATE_KEY] = found
    return found


def log_extra(scope: Scope, **fields: Any) -> dict[str, Any]:
    """``extra=`` for a log call made while serving a request."""
    return {REQUEST_ID: request_id(scope), FIELDS: fields}


def audit(scope: Scope, event: str, message: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log a security event of this request (never pass secrets or raw user input)."""
    audit_logger.log(level, message, extra=log_extra(scope, event=event, **fields))


class ResponseHeaders:
    """Adds ``X-Request-ID`` and the security headers to every response."""

    def __init__(self) -> None:
        common = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
        self._api = [*common, (b"content-security-policy", API_CSP)]
        self._docs = [*common, (b"content-security-policy", DOCS_CSP)]

    async def before_send(self, message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        path: str = scope["path"]
        docs = path.startswith(DOCS_PATH) and path[len(DOCS_PATH) : len(DOCS_PATH) + 1] in ("", "/")
        extra = self._docs if docs else self._api
        headers = list(message.get("headers") or ())
        if path.startswith(MEDIA_PATH):
            # Media responses set their own (stricter, sandboxing) policy: keep theirs.
            present = {name.lower() for name, _ in headers}
            extra = [(name, value) for name, value in extra if name not in present]
        headers.extend(extra)
        headers.append((_REQUEST_ID_HEADER, request_id(scope).encode("ascii")))
        message["headers"] = headers
