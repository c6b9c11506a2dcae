from __future__ import annotations

from typing import Annotated

from dishka import FromDishka
from litestar import Controller, Response, get
from litestar.params import Parameter

from application.use_cases.open_media import OpenMedia, OpenMediaQuery
from entrypoints.http.problems import documented


class MediaController(Controller):
    path = "/media"
    tags = ["media"]

    @get("/{name:str}", responses=documented(404), include_in_schema=True)
    async def show(
        self,
        name: Annotated[str, Parameter(max_length=100, description="The file's name.")],
        open_media: FromDishka[OpenMedia],
    ) -> Response[bytes]:
        """An uploaded image, with its real content type."""
        stored = await open_media(OpenMediaQuery(name))
        return Response(
            stored.content,
            media_type=stored.content_type,
            headers={
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "public, max-age=31536000, immutable",
                "Content-Security-Policy": "default-src 'none'; sandbox",
            },
        )
