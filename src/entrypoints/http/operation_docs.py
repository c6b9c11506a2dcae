"""What every operation of the OpenAPI document says, stated once for the whole app.

- Errors are problem documents. Litestar documents a 400 on every operation with a parameter
  or a body, with the body of its own ``ValidationException`` (``{status_code, detail,
  extra}``), which Chirp never sends (``problems.py`` answers with problem documents).
  Operations that list their 400 with ``documented(400)`` override it; the others (a path
  parameter and nothing else to validate) kept Litestar's body.
- Every write the per-user write limit counts (``write_limits.py``) may answer 429
  ``too_many_requests``, documented as such.
- A body that may be left out (``POST /notifications/read``, ``POST /users/{u}/mute``) is
  declared so: Litestar declares every body required.
- Every operation takes an optional ``X-Request-ID`` header (``request_context.py``: the
  client's own id, if safe, names the request in the response and the logs). Saying so also
  lets openapi-python-client (0.28 to at least 0.29.1) import the operation that has two
  body types: it annotates that body with its ``Unset`` type but imports the type only for
  an operation with an optional parameter (upstream issue #1451).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

from litestar import Litestar
from litestar.enums import ParamType
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
)
from litestar.routes import HTTPRoute

from entrypoints.http.problems import PROBLEM_JSON, ProblemDocument

# Litestar's error body, as its schema generator describes it.
_LITESTAR_ERROR_FIELDS = frozenset({"status_code", "detail", "extra"})
# Registered in the document's components by every operation that uses ``documented``.
_PROBLEM_SCHEMA = Reference(ref=f"#/components/schemas/{ProblemDocument.__name__}")
REQUEST_ID = Parameter(
    name="X-Request-ID",
    param_in=ParamType.HEADER,
    required=False,
    schema=Schema(type=OpenAPIType.STRING),
    description="Your id for this request, sent back in the response's X-Request-ID and "
    "written in the logs, if it is 1-64 of A-Z, a-z, 0-9, '.', '_' and '-'; "
    "otherwise (or without it) Chirp makes one.",
)


def _is_litestar_error(response: object) -> bool:
    if not isinstance(response, OpenAPIResponse) or not response.content:
        return False
    media = response.content.get("application/json")
    schema = media.schema if media is not None else None
    return isinstance(schema, Schema) and set(schema.properties or {}) == _LITESTAR_ERROR_FIELDS


def _problem(description: str) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=description,
        content={PROBLEM_JSON: OpenAPIMediaType(schema=_PROBLEM_SCHEMA)},
    )


_TOO_MANY_WRITES = _problem(
    "Too Many Requests: past writes_per_user_per_hour (`too_many_requests`, with Retry-After)."
)


def _optional_body(operation: Operation) -> None:
    """A body whose type admits None (``data: Body | None = None``) may be left out: Litestar
    declares every body required."""
    body = operation.request_body
    if not isinstance(body, RequestBody) or not body.content:
        return
    for media in body.content.values():
        schema = media.schema
        if isinstance(schema, Schema) and any(
            isinstance(option, Schema) and option.type == OpenAPIType.NULL
            for option in schema.one_of or ()
        ):
            body.required = False


def _complete(operation: Operation, counted_write: bool) -> None:
    _optional_body(operation)
    responses = operation.responses or {}
    for status, response in list(responses.items()):
        if _is_litestar_error(response):
            responses[status] = _problem(HTTPStatus(int(status)).phrase)
    if counted_write:
        responses.setdefault("429", _TOO_MANY_WRITES)
        operation.responses = responses
    operation.parameters = [*(operation.parameters or ()), REQUEST_ID]


class _Documented:
    """Marks an operation class made by ``_documented`` (so it is never wrapped twice)."""


_documented_classes: dict[tuple[type[Operation], bool], type[Operation]] = {}


def _documented(operation_class: type[Operation], counted_write: bool) -> type[Operation]:
    """``operation_class``, completed as the module docstring says (one class per class)."""
    found = _documented_classes.get((operation_class, counted_write))
    if found is not None:
        return found

    @dataclass
    class DocumentedOperation(operation_class, _Documented):  # type: ignore[valid-type,misc]
        def __post_init__(self) -> None:
            parent = getattr(super(), "__post_init__", None)
            if parent is not None:
                parent()
            _complete(self, counted_write)

    DocumentedOperation.__name__ = DocumentedOperation.__qualname__ = operation_class.__name__
    _documented_classes[operation_class, counted_write] = DocumentedOperation
    return DocumentedOperation


def document_operations(app: Litestar, counted_writes: Callable[[str, str], bool]) -> None:
    """Completes what every operation of ``app`` says in the OpenAPI document;
    ``counted_writes(method, path)``: whether the write limit counts that operation."""
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                if not issubclass(handler.operation_class, _Documented):
                    counted = any(
                        counted_writes(method, route.path) for method in handler.http_methods
                    )
                    handler.operation_class = _documented(handler.operation_class, counted)
