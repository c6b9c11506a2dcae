from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from dishka import FromDishka
from litestar import Controller, HttpMethod, Response, get, route
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Schema,
)
from litestar.params import Parameter
from litestar.response import Stream

from application.use_cases.open_media import OpenMedia, OpenMediaQuery
from entrypoints.http.problems import documented

# The formats uploads are stored in (the storage serves each with its own content type).
IMAGE_MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
SERVED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "public, max-age=31536000, immutable",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}
MediaName = Annotated[
    str, Parameter(description="The file's name; any other than a stored file's is a 404.")
]


@dataclass
class ShowMediaOperation(Operation):
    """The 200 is an image in its own media type, not JSON. No name is ever invalid, only
    unknown (a 404), so Litestar's default 400 for a route with parameters goes."""

    def __post_init__(self) -> None:
        responses = dict(self.responses or {})
        responses.pop("400", None)
        responses["200"] = OpenAPIResponse(
            description="The image, served with its real content type.",
            headers={
                "X-Content-Type-Options": OpenAPIHeader(
                    schema=Schema(type=OpenAPIType.STRING, const="nosniff"), required=True
                )
            },
            content={
                media_type: OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                )
                for media_type in IMAGE_MEDIA_TYPES
            },
        )
        self.responses = responses


class MediaController(Controller):
    path = "/media"
    tags = ["media"]

    @get("/{name:str}", responses=documented(404), operation_class=ShowMediaOperation)
    async def show(self, name: MediaName, open_media: FromDishka[OpenMedia]) -> Stream:
        """An uploaded image, with its real content type."""
        stored = await open_media(OpenMediaQuery(name))
        return Stream(
            stored.chunks,
            media_type=stored.content_type,
            headers={**SERVED_HEADERS, "Content-Length": str(stored.size)},
        )

    # Litestar's HEAD handlers may return no body, and it sends none but what a handler gives.
    @route("/{name:str}", http_method=HttpMethod.HEAD, include_in_schema=False)
    async def show_headers(
        self, name: MediaName, open_media: FromDishka[OpenMedia]
    ) -> Response[bytes]:
        """What GET answers, headers only."""
        stored = await open_media(OpenMediaQuery(name))
        await stored.aclose()
        return Response(
            b"",
            media_type=stored.content_type,
            headers={**SERVED_HEADERS, "Content-Length": str(stored.size)},
        )
