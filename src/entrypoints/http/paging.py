"""Turning an application Page into the JSON page and its RFC 8288 Link header."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from litestar import Response
from litestar.params import Parameter

from application.pagination import CURSOR_PATTERN, MAX_PAGE_SIZE, Page, PageRequest
from entrypoints.http.links import Links

T = TypeVar("T")
R = TypeVar("R")

Limit = Annotated[
    int,
    Parameter(ge=1, le=MAX_PAGE_SIZE, description="Items per page."),
]
Cursor = Annotated[
    str | None,
    Parameter(description="next_cursor of the previous page.", pattern=CURSOR_PATTERN),
]


def page_request(limit: int, cursor: str | None) -> PageRequest:
    return PageRequest(limit=limit, cursor=cursor)


def paged(
    page: Page[T],
    convert: Callable[[T, Links], R],
    links: Links,
    body: Callable[[list[R], str | None], Any],
) -> Response[Any]:
    """The page as JSON, with ``Link: <...>; rel="next"`` when another page follows."""
    headers = {}
    if page.next_cursor is not None:
        headers["Link"] = f'<{links.next_page(page.next_cursor)}>; rel="next"'
    items = [convert(item, links) for item in page.items]
    return Response(body(items, page.next_cursor), headers=headers)
