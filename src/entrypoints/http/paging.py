"""Turning an application Page into the JSON page and its RFC 8288 Link header."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from litestar import Response
from litestar.params import Parameter

from application.pagination import MAX_PAGE_SIZE, Page, PageRequest
from entrypoints.http.links import Links

T = TypeVar("T")
R = TypeVar("R")

# The cursors this API gives out, as a regular expression for the OpenAPI schema: "k1:"
# then a key of 1-17 digits without a leading zero, in unpadded base64url. "k1:" encodes to
# "azE6"; each three digits to four characters (a digit's byte is 0x30-0x39), a final one
# or two digits to two or three.
_LEAD = "(?:M[Tjz]|N[DTjz]|O[DT])"  # the first two characters of a group starting with 1-9
_PAIR = "(?:M[DTjz]|N[DTjz]|O[DT])"  # ... of a group starting with any digit
_MID = "[AEIMQUYcgk]"  # the third character: the group's second digit
_END = "[w-z0-5]"  # the fourth: its third digit
_ONE_NONZERO = "(?:M[Qgw]|N[AQgw]|O[AQ])"  # a lone last digit, 1-9
_ONE = "(?:M[AQgw]|N[AQgw]|O[AQ])"  # a lone last digit, 0-9
CURSOR_PATTERN = (
    f"^azE6(?:{_LEAD}{_MID}{_END}(?:{_PAIR}{_MID}{_END}){{0,4}}(?:{_PAIR}{_MID}|{_ONE})?"
    f"|{_LEAD}{_MID}|{_ONE_NONZERO})$"
)

Limit = Annotated[
    int,
    Parameter(ge=1, le=MAX_PAGE_SIZE, description="Items per page."),
]
# The pattern is documentation only (schema_extra: Litestar does not enforce it), so that
# every cursor the API did not give out is refused one way: by PageRequest, as InvalidCursor
# (400 invalid_cursor), not by Litestar's validation as a validation_error.
Cursor = Annotated[
    str | None,
    Parameter(
        description="next_cursor of the previous page.", schema_extra={"pattern": CURSOR_PATTERN}
    ),
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
