"""Request bodies, and what the OpenAPI schema says of their fields. Requests reject
unknown fields, so nothing is mass-assigned. Response bodies are in ``responses``."""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Annotated, Any, ClassVar, TypeVar, Union, get_args, get_origin

import msgspec
from litestar._openapi.schema_generation import SchemaCreator
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import KwargDefinition
from litestar.typing import FieldDefinition
from msgspec import UNSET, UnsetType

from domain.ids import MAX_ID
from domain.media import MAX_ALT_LENGTH, MAX_MEDIA_PER_TWEET
from domain.relationships import MAX_MUTE_SECONDS, MIN_MUTE_SECONDS, MuteTerms
from domain.settings import SETTING_RANGES, RuntimeSettings
from domain.text import NUL
from domain.tweets import MAX_TWEET_LENGTH
from domain.users import (
    EMAIL_PATTERN,
    MAX_BIO_LENGTH,
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    USERNAME_PATTERN,
)

# What the OpenAPI schema says about a field (msgspec ignores these annotations; the use
# cases validate). They repeat the domain's rules so that generated clients and
# Schemathesis send what the API accepts, and only that.
UsernameField = Annotated[str, KwargDefinition(pattern=f"^{USERNAME_PATTERN}$")]
EmailField = Annotated[
    str,
    KwargDefinition(
        max_length=MAX_EMAIL_LENGTH,
        pattern=f"^{EMAIL_PATTERN}$",
    ),
]
PasswordField = Annotated[
    str,
    KwargDefinition(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        description="Not a common password, nor the username or email.",
    ),
]
NO_NUL = f"^[^{NUL}]*$"
NameField = Annotated[str, KwargDefinition(max_length=MAX_NAME_LENGTH, pattern=NO_NUL)]
BioField = Annotated[str, KwargDefinition(max_length=MAX_BIO_LENGTH, pattern=NO_NUL)]
# No maxLength: the limit counts code points after NFC normalisation and trimming, which
# JSON Schema cannot say (a longer raw string may be accepted, a shorter one refused).
TweetTextField = Annotated[
    str,
    KwargDefinition(
        pattern=NO_NUL,
        description=f"At most {MAX_TWEET_LENGTH} characters after trimming (NFC code points); "
        "only whitespace (or nothing) if the tweet has an image.",
    ),
]

AltField = Annotated[
    str,
    KwargDefinition(
        pattern=NO_NUL,
        description=f"At most {MAX_ALT_LENGTH} characters after trimming (NFC code points).",
    ),
]
MediaIdsField = Annotated[
    list[str],
    KwargDefinition(
        max_items=MAX_MEDIA_PER_TWEET,
        description="Ids of your own uploads (POST /media) that no tweet has attached, each "
        "once, in the order the tweet shows them.",
    ),
]

InReplyToField = Annotated[
    int,
    KwargDefinition(ge=1, le=MAX_ID, description="The id of the tweet this one replies to."),
]
QuotedTweetIdField = Annotated[
    int, KwargDefinition(ge=1, le=MAX_ID, description="The id of the tweet this one quotes.")
]


NULL = Schema(type=OpenAPIType.NULL)


def _range(setting: str) -> KwargDefinition:
    low, high = SETTING_RANGES[setting]
    return KwargDefinition(ge=low, le=high)


# Bounds of a KwargDefinition and the Schema attributes that state them.
_BOUNDS = (
    ("ge", "minimum"),
    ("gt", "exclusive_minimum"),
    ("le", "maximum"),
    ("lt", "exclusive_maximum"),
)


def _kwarg_definitions(annotation: Any) -> Iterator[KwargDefinition]:
    """The KwargDefinitions of a field's type, also inside ``Annotated[T, ...] | UnsetType``."""
    if get_origin(annotation) is Annotated:
        yield from (m for m in annotation.__metadata__ if isinstance(m, KwargDefinition))
    elif get_origin(annotation) in (Union, types.UnionType):
        for member in get_args(annotation):
            yield from _kwarg_definitions(member)


class RequestBody(msgspec.Struct, forbid_unknown_fields=True):
    """A JSON request body: unknown fields are refused (``additionalProperties: false``)."""

    # Attributes of its OpenAPI Schema object, for rules across fields.
    schema_extra: ClassVar[dict[str, Any]] = {}


class RequestBodySchemaPlugin(StructSchemaPlugin):
    """Litestar documents a Struct without its ``forbid_unknown_fields``, without rules
    across fields and, in an optional field, without a bound that is zero (``ge=0`` gives no
    ``minimum``: litestar-org/litestar#3999, fixed only for plain fields); this says all
    three, so the schema admits exactly what the API accepts."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return not field_definition.is_union and field_definition.is_subclass_of(RequestBody)

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        schema.additional_properties = False
        for name, prop in (schema.properties or {}).items():
            # An optional field (``T | UnsetType``) comes out as a oneOf of one schema.
            if isinstance(prop, Schema) and prop.one_of is not None and len(prop.one_of) == 1:
                schema.properties[name] = prop.one_of[0]  # type: ignore[index]
        for info in msgspec.structs.fields(field_definition.type_):
            field_schema = (schema.properties or {}).get(info.encode_name)
            if not isinstance(field_schema, Schema):
                continue
            for kwargs in _kwarg_definitions(info.type):
                for bound, attribute in _BOUNDS:
                    if getattr(kwargs, bound) is not None:
                        setattr(field_schema, attribute, getattr(kwargs, bound))
        for name, value in field_definition.type_.schema_extra.items():
            setattr(schema, name, value)
        return schema


# A password the policy accepts, for the examples that the docs pages pre-fill.
EXAMPLE_PASSWORD = "plum sofa orbit lantern"


class RegisterRequest(RequestBody):
    username: UsernameField
    email: EmailField
    password: PasswordField
    password_confirm: str | None = None
    first_name: NameField = ""
    last_name: NameField = ""
    bio: BioField = ""

    schema_extra: ClassVar[dict[str, Any]] = {
        "examples": [
            {
                "username": "alice",
                "email": "alice@example.com",
                "password": EXAMPLE_PASSWORD,
                "password_confirm": EXAMPLE_PASSWORD,
                "first_name": "Alice",
                "bio": "Writes short things.",
            }
        ]
    }


class LoginRequest(RequestBody):
    password: str
    username: str | None = None
    email: str | None = None

    # Exactly one of username or email (a null one counts as absent). The oneOf sits inside
    # an allOf so that client generators still see one object with all three fields (a
    # top-level oneOf of partial objects becomes a union of models that lack ``password``).
    schema_extra: ClassVar[dict[str, Any]] = {
        "all_of": [
            Schema(
                one_of=[
                    Schema(
                        required=[given],
                        properties={given: Schema(type=OpenAPIType.STRING), other: NULL},
                    )
                    for given, other in (("username", "email"), ("email", "username"))
                ]
            )
        ],
        "examples": [{"username": "alice", "password": EXAMPLE_PASSWORD}],
    }


class RefreshTokenRequest(RequestBody):
    refresh_token: str


class UpdateMeRequest(RequestBody):
    username: UsernameField | UnsetType = UNSET
    email: EmailField | UnsetType = UNSET
    first_name: NameField | UnsetType = UNSET
    last_name: NameField | UnsetType = UNSET
    bio: BioField | UnsetType = UNSET
    password: PasswordField | UnsetType = UNSET
    current_password: str | UnsetType = UNSET

    schema_extra: ClassVar[dict[str, Any]] = {
        "dependent_required": {"password": ["current_password"], "current_password": ["password"]}
    }


class SettingsPatch(RequestBody):
    # Only the fields given change. The example sets one setting back to its default, so
    # trying it out in the docs changes nothing that matters.
    schema_extra: ClassVar[dict[str, Any]] = {
        "examples": [{"access_token_ttl_seconds": RuntimeSettings().access_token_ttl_seconds}]
    }

    access_token_ttl_seconds: Annotated[int, _range("access_token_ttl_seconds")] | UnsetType = UNSET
    refresh_token_ttl_seconds: Annotated[int, _range("refresh_token_ttl_seconds")] | UnsetType = (
        UNSET
    )
    refresh_reuse_grace_seconds: (
        Annotated[int, _range("refresh_reuse_grace_seconds")] | UnsetType
    ) = UNSET
    login_failures_per_account: Annotated[int, _range("login_failures_per_account")] | UnsetType = (
        UNSET
    )
    login_failures_per_address: Annotated[int, _range("login_failures_per_address")] | UnsetType = (
        UNSET
    )
    registrations_per_address_per_hour: (
        Annotated[int, _range("registrations_per_address_per_hour")] | UnsetType
    ) = UNSET
    max_image_bytes: Annotated[int, _range("max_image_bytes")] | UnsetType = UNSET
    uploads_per_user_per_hour: Annotated[int, _range("uploads_per_user_per_hour")] | UnsetType = (
        UNSET
    )
    writes_per_user_per_hour: Annotated[int, _range("writes_per_user_per_hour")] | UnsetType = UNSET
    fanout_max_followers: Annotated[int, _range("fanout_max_followers")] | UnsetType = UNSET
    tweet_edit_window_seconds: Annotated[int, _range("tweet_edit_window_seconds")] | UnsetType = (
        UNSET
    )
    tweet_max_edits: Annotated[int, _range("tweet_max_edits")] | UnsetType = UNSET
    unattached_media_ttl_seconds: (
        Annotated[int, _range("unattached_media_ttl_seconds")] | UnsetType
    ) = UNSET


class TweetTextRequest(RequestBody):
    text: TweetTextField

    schema_extra: ClassVar[dict[str, Any]] = {"examples": [{"text": "Hello, Chirp!"}]}


class PostTweetRequest(RequestBody):
    text: TweetTextField = ""
    media_ids: MediaIdsField = msgspec.field(default_factory=list)
    in_reply_to_id: InReplyToField | None = None
    quoted_tweet_id: QuotedTweetIdField | None = None

    schema_extra: ClassVar[dict[str, Any]] = {"examples": [{"text": "Hello, Chirp!"}]}


class MediaAltRequest(RequestBody):
    alt: AltField | None

    schema_extra: ClassVar[dict[str, Any]] = {"examples": [{"alt": "A cat asleep on a laptop."}]}


class UserStatusRequest(RequestBody):
    is_active: bool | UnsetType = UNSET
    is_admin: bool | UnsetType = UNSET


G = TypeVar("G")


def given(value: G | UnsetType) -> G | None:
    """An optional request field as the use cases take it: None when absent."""
    return None if isinstance(value, UnsetType) else value


class MuteRequest(RequestBody):
    """A mute's terms; each omitted one takes its default (a new mute replaces them all)."""

    duration_seconds: (
        Annotated[int, msgspec.Meta(ge=MIN_MUTE_SECONDS, le=MAX_MUTE_SECONDS)] | UnsetType | None
    ) = UNSET
    notifications: bool | UnsetType = UNSET

    def terms(self) -> MuteTerms:
        duration = self.duration_seconds
        notifications = self.notifications
        return MuteTerms(
            duration_seconds=None if isinstance(duration, UnsetType) else duration,
            notifications=True if isinstance(notifications, UnsetType) else notifications,
        )


class MarkReadRequest(RequestBody):
    """Which notifications to mark read: those whose id is at most ``up_to_id`` (all when
    it is omitted)."""

    up_to_id: (
        Annotated[int, KwargDefinition(ge=1, le=MAX_ID, description="A notification's id.")]
        | UnsetType
    ) = UNSET
