"""OpenAPI request bodies for the routes that read their body by hand (JSON or multipart)."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.openapi.spec import (
    Encoding,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)

from domain.ids import MAX_ID
from domain.media import MAX_ALT_LENGTH, MAX_MEDIA_PER_TWEET
from domain.text import INVISIBLE_BMP, NUL, WHITESPACE
from domain.tweets import MAX_TWEET_LENGTH

_IMAGE = Schema(
    type=OpenAPIType.STRING,
    format=OpenAPIFormat.BINARY,
    description="A JPEG, PNG, GIF or WebP image, at most 4096x4096 pixels.",
)
# No maxLength on the text: the limit counts code points after NFC normalisation and
# trimming, which JSON Schema cannot say (a longer raw string may be accepted, a shorter one
# refused).
_TEXT = Schema(
    type=OpenAPIType.STRING,
    pattern=f"^[^{NUL}]*$",
    description=f"At most {MAX_TWEET_LENGTH} characters after trimming (NFC code points); "
    "only whitespace (or nothing) if there is an image.",
)
_JSON_TEXT = Schema(
    type=OpenAPIType.STRING,
    # No NUL, and something other than whitespace and invisible characters.
    pattern=f"^[^{NUL}]*[^{NUL}{WHITESPACE}{INVISIBLE_BMP}][^{NUL}]*$",
    description=f"At most {MAX_TWEET_LENGTH} characters after trimming (NFC code points); "
    "not only whitespace and invisible characters.",
)
_MEDIA_IDS = Schema(
    type=OpenAPIType.ARRAY,
    items=Schema(type=OpenAPIType.STRING),
    max_items=MAX_MEDIA_PER_TWEET,
    unique_items=True,
    description="Ids of your own uploads (POST /media) that no tweet has attached, in the "
    "order the tweet shows them.",
)
_QUOTED_TWEET_ID = Schema(
    one_of=[
        Schema(type=OpenAPIType.INTEGER, minimum=1, maximum=MAX_ID),
        Schema(type=OpenAPIType.NULL),
    ],
    description="The id of the tweet this one quotes (it embeds it as `quoted_tweet`).",
)
_ALT = Schema(
    type=OpenAPIType.STRING,
    pattern=f"^[^{NUL}]*$",
    description=f"At most {MAX_ALT_LENGTH} characters after trimming (NFC code points).",
)
# The image formats the API decodes (it checks the bytes, never the part's Content-Type).
_IMAGE_ENCODING = {"image": Encoding(content_type="image/jpeg, image/png, image/gif, image/webp")}


@dataclass
class PostTweetOperation(Operation):
    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="JSON with `text` and/or `media_ids` (and `quoted_tweet_id` for a "
            "quote), or a multipart form with `text` and/or `image`.",
            content={
                "application/json": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        properties={
                            "text": _TEXT,
                            "media_ids": _MEDIA_IDS,
                            "quoted_tweet_id": _QUOTED_TWEET_ID,
                        },
                        additional_properties=False,
                        # Text that is only whitespace (or none) needs media.
                        all_of=[
                            Schema(
                                any_of=[
                                    Schema(
                                        properties={"media_ids": Schema(min_items=1)},
                                        required=["media_ids"],
                                    ),
                                    Schema(properties={"text": _JSON_TEXT}, required=["text"]),
                                ]
                            )
                        ],
                        examples=[{"text": "Hello, Chirp!"}],
                    )
                ),
                "multipart/form-data": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        properties={"text": _TEXT, "image": _IMAGE},
                        additional_properties=False,
                        # Text that is only whitespace needs an image. Inside an allOf, so
                        # that client generators still see one object with both fields (an
                        # anyOf beside the properties becomes a union without them).
                        all_of=[
                            Schema(
                                any_of=[
                                    Schema(required=["image"]),
                                    Schema(properties={"text": _JSON_TEXT}, required=["text"]),
                                ]
                            )
                        ],
                    ),
                    encoding=_IMAGE_ENCODING,
                ),
            },
        )


@dataclass
class SetAvatarOperation(Operation):
    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            content={
                "multipart/form-data": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        properties={"image": _IMAGE},
                        required=["image"],
                        additional_properties=False,
                    ),
                    encoding=_IMAGE_ENCODING,
                )
            },
        )


@dataclass
class UploadMediaOperation(Operation):
    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            content={
                "multipart/form-data": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        properties={"file": _IMAGE, "alt": _ALT},
                        required=["file"],
                        additional_properties=False,
                    ),
                    encoding={"file": _IMAGE_ENCODING["image"]},
                )
            },
        )
