"""Schemathesis hooks for api/contract/test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

They teach the generator rules that a JSON Schema cannot state, so that the data it calls
valid is valid: no check is changed or skipped. Only positive cases are touched, and only
to satisfy a rule across fields or across requests, or to name data that exists (a stored
image); negative cases go out as generated, but for one the wire cannot carry
(``_negative_on_the_wire``).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import unicodedata
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis.transport.serialization import Binary

from domain.errors import ValidationError
from domain.media import MAX_ALT_LENGTH
from domain.search import MAX_QUERY_LENGTH, SearchTerms
from domain.tweets import MAX_TWEET_LENGTH
from tests.support.image_samples import gif_bytes, jpeg_bytes, png_bytes, webp_bytes

# The caller's own username (empty when anonymous): from the test, then as PATCH /me sets it.
own_username = [os.environ.get("CHIRP_ST_USERNAME", "").lower()]
OTHER_USERNAME = os.environ.get("CHIRP_ST_OTHER_USERNAME", "")
# A stored image's name (names are random: a generated one is never stored).
MEDIA_NAME = os.environ.get("CHIRP_ST_MEDIA_NAME", "")
media_cases = itertools.count()

# Upload fields declare these media types: send real (small) images of them.
for media_type, sample in {
    "image/png": png_bytes(8, 8),
    "image/jpeg": jpeg_bytes(8, 8),
    "image/gif": gif_bytes(8, 8),
    "image/webp": webp_bytes(8, 8),
}.items():
    schemathesis.openapi.media_type(media_type, st.just(sample))


def _uncommon(password: str) -> str:
    """``password`` made unlike any common password, username or email, length 8-128."""
    return (password + "~" + hashlib.sha256(password.encode()).hexdigest()[:12])[-128:]


def _search_for_something(operation: str, case: schemathesis.Case) -> None:
    """A search query needs a word, from:username or #tag, which the schema cannot say."""
    query = case.query
    if operation != "GET /api/v1/search/tweets" or not isinstance(query, dict):
        return
    q = query.get("q")
    if isinstance(q, str):
        try:
            SearchTerms.parse(q)
        except ValidationError:
            query["q"] = q[: MAX_QUERY_LENGTH - len(" chirp")] + " chirp"


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return case if meta is None else _negative_on_the_wire(case)
    operation = f"{case.method.upper()} {case.path}"
    body: Any = case.body
    if operation == "POST /api/v1/auth/register" and isinstance(body, dict):
        # Not a common password nor the username or email; confirmed if confirmed.
        if isinstance(body.get("password"), str):
            body["password"] = _uncommon(body["password"])
            if isinstance(body.get("password_confirm"), str):
                body["password_confirm"] = body["password"]
    elif operation in ("PATCH /api/v1/me", "PUT /api/v1/me") and isinstance(body, dict):
        # A new password needs the current one; changing it is not the point here.
        body.pop("password", None)
        body.pop("current_password", None)
    elif (
        operation == "PATCH /api/v1/tweets/{tweet_id}"
        and isinstance(body, dict)
        and isinstance(body.get("text"), str)
        and not body["text"].strip()
    ):
        # Blank text is only for tweets with an image, which the generator cannot know.
        body["text"] = "edited"
    elif (
        operation == "POST /api/v1/tweets"
        and isinstance(body, dict)
        and case.media_type == "application/json"
    ):
        # Ids of uploads of the caller's that no tweet has attached: the generator cannot
        # name one (ids are random, and each is attached once). Without them, a tweet needs
        # text that shows something (the schema's anyOf says so; the coverage phase still
        # sends ``{}`` as valid).
        body.pop("media_ids", None)
        if not isinstance(body.get("text"), str) or not body["text"].strip():
            body["text"] = "Hello, Chirp!"
    elif operation == "GET /media/{name}" and MEDIA_NAME and next(media_cases) % 2:
        # Every other case asks for a stored image, so that the 200 is checked too.
        case.path_parameters = {**(case.path_parameters or {}), "name": MEDIA_NAME}
    if (
        operation in ("POST /api/v1/tweets", "PATCH /api/v1/tweets/{tweet_id}")
        and isinstance(body, dict)
        and isinstance(body.get("text"), str)
        and len(unicodedata.normalize("NFC", body["text"]).strip()) > MAX_TWEET_LENGTH
    ):
        # The length limit counts code points after NFC and trimming, which the schema
        # cannot say (so it states no maxLength): keep the text within it.
        body["text"] = unicodedata.normalize("NFC", body["text"]).strip()[:MAX_TWEET_LENGTH]
    if (
        operation in ("POST /api/v1/media", "PATCH /api/v1/media/{media_id}")
        and isinstance(body, dict)
        and isinstance(body.get("alt"), str)
        and len(unicodedata.normalize("NFC", body["alt"]).strip()) > MAX_ALT_LENGTH
    ):
        # As for a tweet's text: the limit counts code points after NFC and trimming.
        body["alt"] = unicodedata.normalize("NFC", body["alt"]).strip()[:MAX_ALT_LENGTH]
    _search_for_something(operation, case)
    username = (case.path_parameters or {}).get("username")
    if (
        operation in _NOT_ONESELF
        and isinstance(username, str)
        and own_username[0]
        and username.lower() == own_username[0]
    ):
        # One cannot follow, block or mute oneself, and an admin cannot deactivate or
        # demote oneself.
        case.path_parameters = {**(case.path_parameters or {}), "username": OTHER_USERNAME}
    return case


_NOT_ONESELF = {
    "POST /api/v1/users/{username}/follow",
    "POST /api/v1/users/{username}/block",
    "POST /api/v1/users/{username}/mute",
    "PATCH /api/v1/users/{username}",
}


def _negative_on_the_wire(case: schemathesis.Case) -> schemathesis.Case:
    """A negative multipart POST /tweets whose ``text`` became a number or boolean sends the
    same bytes as valid text: Schemathesis then checks the body as sent, but cannot validate
    one with a file part (jsonschema_rs refuses its ``Binary`` value: "Unsupported type") and
    calls the 201 a failure. Such a case gets text that is invalid on the wire too (a NUL,
    which the schema forbids), so that it is negative as sent."""
    body: Any = case.body
    if (
        f"{case.method.upper()} {case.path}" == "POST /api/v1/tweets"
        and case.media_type == "multipart/form-data"
        and isinstance(body, dict)
        and isinstance(body.get("text"), int | float)  # bool is an int
        and any(isinstance(value, Binary | bytes) for value in body.values())
    ):
        body["text"] = f"{body['text']}\x00"
    return case


@schemathesis.hook
def after_call(
    context: schemathesis.HookContext, case: schemathesis.Case, response: schemathesis.Response
) -> None:
    if case.path == "/api/v1/me" and response.status_code == 200 and own_username[0]:
        own_username[0] = str(response.json()["username"]).lower()
