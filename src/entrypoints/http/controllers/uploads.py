"""``/api/v1/media``: uploading images to attach to tweets, and their alt text. (The stored
images themselves are served at ``/media/{name}``, ``controllers/media.py``.)"""

from __future__ import annotations

from typing import Annotated, Any

from dishka import FromDishka
from litestar import Controller, Request, Response, patch, post
from litestar.exceptions import ValidationException
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_201_CREATED

from application.ports.access_tokens import AccessClaims
from application.ports.media import views_of
from application.ports.settings_reader import SettingsReader
from application.use_cases.describe_media import DescribeMedia, DescribeMediaCommand
from application.use_cases.upload_media import UploadMedia, UploadMediaCommand
from entrypoints.http.auth import BEARER_SECURITY
from entrypoints.http.forms import MAX_UPLOAD_BODY_BYTES, read_form
from entrypoints.http.idempotency import idempotency_keys
from entrypoints.http.links import Links
from entrypoints.http.problems import documented
from entrypoints.http.responses import MediaResponse
from entrypoints.http.schemas import MediaAltRequest
from entrypoints.http.upload_docs import UploadMediaOperation

MediaId = Annotated[
    str, Parameter(description="The upload's id; any other than an upload's is a 404.")
]


class MediaUploadsController(Controller):
    path = "/media"
    tags = ["media"]
    security = BEARER_SECURITY

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_UPLOAD_BODY_BYTES,
        responses=documented(400, 401, 409, 413, 415, 422, 429),
        operation_class=UploadMediaOperation,
        middleware=[idempotency_keys],
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        claims: FromDishka[AccessClaims],
        upload_media: FromDishka[UploadMedia],
        links: FromDishka[Links],
        settings: FromDishka[SettingsReader],
    ) -> Response[MediaResponse]:
        """Upload an image to attach to a tweet (``media_ids``): multipart with a ``file``
        (JPEG, PNG, GIF or WebP) and optional ``alt`` text. Unattached, it is deleted after
        ``unattached_media_ttl_seconds``."""
        form = await read_form(
            request,
            text_fields={"alt"},
            file_fields={"file"},
            max_file_bytes=(await settings.current()).max_image_bytes,
        )
        if "file" not in form.files:
            raise ValidationException(extra=[{"key": "file", "message": "is required"}])
        media = await upload_media(
            UploadMediaCommand(claims.user_id, form.files["file"], form.texts.get("alt"))
        )
        (view,) = views_of([media])
        return Response(MediaResponse.of(view, links), status_code=HTTP_201_CREATED)

    @patch("/{media_id:str}", responses=documented(400, 401, 403, 404))
    async def describe(
        self,
        media_id: MediaId,
        data: JSONBody[MediaAltRequest],
        claims: FromDishka[AccessClaims],
        describe_media: FromDishka[DescribeMedia],
        links: FromDishka[Links],
    ) -> MediaResponse:
        """Set or clear (``null``) the alt text of one of your uploads."""
        media = await describe_media(DescribeMediaCommand(claims.user_id, media_id, data.alt))
        (view,) = views_of([media])
        return MediaResponse.of(view, links)
