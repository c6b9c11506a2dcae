"""Media over HTTP (API.md "Media"): POST /media and PATCH /media/{id}, media_ids on POST
/tweets, media on every tweet read model, their deletion with the tweet, and the sweep of
uploads never attached. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.tables import media as media_table
from adapters.sql.tables import tweets as tweets_table
from domain.settings import RuntimeSettings
from tests.support import image_samples as samples
from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem, error_fields
from tests.support.contract import assert_media, assert_tweet
from tests.support.doubles import ManualClock
from tests.support.uploads import media_files, media_name

ROUNDS = {"postgresql": 20, "sqlite": 5}


async def upload(
    client: httpx.AsyncClient,
    account: Account,
    data: bytes | None = None,
    alt: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    files = {"file": ("x.bin", samples.png_bytes() if data is None else data, "image/png")}
    return await client.post(
        f"{API}/media",
        files=files,
        data={} if alt is None else {"alt": alt},
        headers={**account.auth, **(headers or {})},
    )


async def uploaded(client: httpx.AsyncClient, account: Account, alt: str | None = None) -> str:
    response = await upload(client, account, alt=alt)
    assert response.status_code == 201, response.text
    media_id: str = response.json()["id"]
    return media_id


async def post(client: httpx.AsyncClient, account: Account, body: dict[str, Any]) -> httpx.Response:
    return await client.post(f"{API}/tweets", json=body, headers=account.auth)


async def media_rows(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as connection:
        result = await connection.execute(
            select(media_table.c.id, media_table.c.tweet_id, media_table.c.position)
        )
        return list(result.all())


async def tweet_count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        count = await connection.execute(select(func.count()).select_from(tweets_table))
        return int(count.scalar_one())


# --- POST /media --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "content_type", "size"),
    [
        (lambda: samples.png_bytes(64, 48), "image/png", (64, 48)),
        (lambda: samples.jpeg_with_exif_bytes(40, 20), "image/jpeg", (40, 20)),
        (lambda: samples.webp_bytes(30, 70), "image/webp", (30, 70)),
    ],
)
async def test_an_upload_answers_a_media_with_the_decoded_size(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    media_dir: Path,
    make: Any,
    content_type: str,
    size: tuple[int, int],
) -> None:
    (alice,) = await insert_users(engine, "alice")

    response = await upload(client, alice, make(), alt="  A small test image. ")

    assert response.status_code == 201, response.text
    body = assert_media(response.json())
    assert (body["width"], body["height"]) == size
    assert body["content_type"] == content_type
    assert body["alt"] == "A small test image."
    assert media_files(media_dir) == {media_name(body["url"])}
    assert body["id"] not in body["url"]
    served = await client.get(body["url"])
    assert served.headers["content-type"] == content_type
    assert [(row.id, row.tweet_id) for row in await media_rows(engine)] == [(body["id"], None)]


async def test_alt_is_optional(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    (alice,) = await insert_users(engine, "alice")

    response = await upload(client, alice)

    assert response.status_code == 201, response.text
    assert response.json()["alt"] is None


@pytest.mark.parametrize(
    ("files", "data", "status", "code", "field"),
    [
        ({"file": ("a.png", samples.html_bytes(), "image/png")}, {}, 400, "invalid_image", None),
        ({"alt": (None, "no file")}, {}, 400, "validation_error", "file"),
        (
            {"file": ("a.png", samples.png_bytes(), "image/png")},
            {"alt": "x" * 1501},
            400,
            "validation_error",
            "alt",
        ),
        (
            {"file": ("a.png", samples.png_bytes(), "image/png")},
            {"alt": "a\x00b"},
            400,
            "validation_error",
            "alt",
        ),
        (
            {"file": ("a.png", samples.png_bytes(), "image/png")},
            {"caption": "what"},
            400,
            "validation_error",
            "caption",
        ),
        (
            {"file": ("a.png", samples.png_bytes(), "image/png")},
            {"file": "text, not a file"},
            400,
            "invalid_image",  # the form's first "file" is text (read_form's rule)
            None,
        ),
        (
            {"file": ("a.png", samples.png_bytes(), "image/png"), "alt": ("a", b"x", "text/plain")},
            {},
            400,
            "validation_error",
            "alt",
        ),
    ],
    ids=[
        "not-an-image",
        "no-file",
        "alt-1501",
        "alt-nul",
        "unknown-field",
        "file-twice",
        "alt-file",
    ],
)
async def test_a_bad_upload_is_a_400_and_leaves_nothing(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    media_dir: Path,
    files: dict[str, Any],
    data: dict[str, str],
    status: int,
    code: str,
    field: str | None,
) -> None:
    (alice,) = await insert_users(engine, "alice")

    response = await client.post(f"{API}/media", files=files, data=data, headers=alice.auth)

    body = assert_problem(response, status, code)
    if field is not None and "errors" in body:
        assert field in error_fields(body)
    assert media_files(media_dir) == set()
    assert await media_rows(engine) == []


async def test_an_upload_needs_a_multipart_body_and_a_token(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (alice,) = await insert_users(engine, "alice")

    assert_problem(await client.post(f"{API}/media", json={"alt": "x"}, headers=alice.auth), 415)
    anonymous = await client.post(f"{API}/media", files={"file": ("a", samples.png_bytes())})
    assert_problem(anonymous, 401)


async def test_an_image_over_the_limit_is_a_413(
    client: httpx.AsyncClient, engine: AsyncEngine, media_dir: Path
) -> None:
    (alice,) = await insert_users(engine, "alice")

    response = await upload(client, alice, samples.png_bytes() + b"\0" * (5 * 1024 * 1024))

    assert_problem(response, 413, "request_too_large")
    assert media_files(media_dir) == set()


async def test_an_upload_with_an_idempotency_key_is_made_once(
    client: httpx.AsyncClient, engine: AsyncEngine, media_dir: Path
) -> None:
    (alice,) = await insert_users(engine, "alice")
    headers = {
        **alice.auth,
        "Idempotency-Key": "upload-1",
        "Content-Type": "multipart/form-data; boundary=b0undary",
    }

    def body(alt: str) -> bytes:
        return (
            b'--b0undary\r\nContent-Disposition: form-data; name="alt"\r\n\r\n'
            + alt.encode()
            + b'\r\n--b0undary\r\nContent-Disposition: form-data; name="file"; '
            b'filename="i.png"\r\nContent-Type: image/png\r\n\r\n'
            + samples.png_bytes()
            + b"\r\n--b0undary--\r\n"
        )

    first = await client.post(f"{API}/media", content=body("once"), headers=headers)
    again = await client.post(f"{API}/media", content=body("once"), headers=headers)
    other = await client.post(f"{API}/media", content=body("another"), headers=headers)

    assert first.status_code == 201, first.text
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    assert_problem(other, 422, "idempotency_key_mismatch")
    assert len(await media_rows(engine)) == 1
    assert len(media_files(media_dir)) == 1


# --- PATCH /media/{id} --------------------------------------------------------------------


async def test_the_uploader_sets_and_clears_the_alt_text(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (alice,) = await insert_users(engine, "alice")
    media_id = await uploaded(client, alice)

    set_ = await client.patch(
        f"{API}/media/{media_id}", json={"alt": "Two cats"}, headers=alice.auth
    )
    assert set_.status_code == 200, set_.text
    assert assert_media(set_.json())["alt"] == "Two cats"

    cleared = await client.patch(f"{API}/media/{media_id}", json={"alt": None}, headers=alice.auth)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json() == {**set_.json(), "alt": None}


async def test_only_the_uploader_may_change_the_alt_text(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    media_id = await uploaded(client, alice, alt="mine")

    response = await client.patch(f"{API}/media/{media_id}", json={"alt": "x"}, headers=bob.auth)

    assert_problem(response, 403, "not_owner")
    anonymous = await client.patch(f"{API}/media/{media_id}", json={"alt": "x"})
    assert_problem(anonymous, 401)


@pytest.mark.parametrize(
    "media_id", ["A" * 22, "nope", "x" * 300, "%2e%2e", "a.b", "%00", "12", "A" * 21 + "!"]
)
async def test_an_unknown_or_malformed_id_is_a_404(
    client: httpx.AsyncClient, engine: AsyncEngine, media_id: str
) -> None:
    (alice,) = await insert_users(engine, "alice")
    await uploaded(client, alice)

    response = await client.patch(f"{API}/media/{media_id}", json={"alt": "x"}, headers=alice.auth)

    assert_problem(response, 404, "media_not_found")


@pytest.mark.parametrize(
    "body",
    [{"alt": "x" * 1501}, {"alt": 5}, {"alt": ["x"]}, {}, {"alt": "x", "extra": 1}, [], "x"],
    ids=["too-long", "number", "list", "missing", "unknown-field", "array", "string"],
)
async def test_a_bad_alt_body_is_a_400(
    client: httpx.AsyncClient, engine: AsyncEngine, body: Any
) -> None:
    (alice,) = await insert_users(engine, "alice")
    media_id = await uploaded(client, alice, alt="kept")

    response = await client.patch(f"{API}/media/{media_id}", json=body, headers=alice.auth)

    assert_problem(response, 400, "validation_error")
    assert (
        await client.patch(f"{API}/media/{media_id}", json={"alt": "kept"}, headers=alice.auth)
    ).json()["alt"] == "kept"


# --- media_ids on POST /tweets ------------------------------------------------------------


async def test_a_tweet_shows_its_media_in_order_everywhere(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    assert (await client.post(f"{API}/users/alice/follow", headers=bob.auth)).status_code == 204
    ids = [await uploaded(client, alice, alt=f"#{i}") for i in range(4)]
    order = [ids[3], ids[1], ids[0], ids[2]]

    response = await post(client, alice, {"media_ids": order})

    assert response.status_code == 201, response.text
    tweet = assert_tweet(response.json())
    assert tweet["text"] == ""
    assert [m["id"] for m in tweet["media"]] == order
    assert [m["alt"] for m in tweet["media"]] == ["#3", "#1", "#0", "#2"]
    assert tweet["image_url"] == tweet["media"][0]["url"]
    shown = await client.get(f"{API}/tweets/{tweet['id']}")
    listed = await client.get(f"{API}/users/alice/tweets")
    feed = await client.get(f"{API}/feed", headers=bob.auth)
    for seen in (shown.json(), listed.json()["items"][0], feed.json()["items"][0]):
        assert assert_tweet(seen)["media"] == tweet["media"]
        assert seen["image_url"] == tweet["image_url"]


async def test_a_tweet_without_media_has_none(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (alice,) = await insert_users(engine, "alice")

    response = await post(client, alice, {"text": "just words", "media_ids": []})

    assert response.status_code == 201, response.text
    assert (response.json()["media"], response.json()["image_url"]) == ([], None)


async def test_the_v1_multipart_image_is_the_tweets_one_media(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (alice,) = await insert_users(engine, "alice")

    response = await client.post(
        f"{API}/tweets",
        files={"image": ("a.png", samples.png_bytes(50, 20), "image/png")},
        headers=alice.auth,
    )

    assert response.status_code == 201, response.text
    tweet = assert_tweet(response.json())
    (media,) = tweet["media"]
    assert (media["width"], media["height"], media["alt"]) == (50, 20, None)
    assert media["url"] == tweet["image_url"]
    assert (await client.get(f"{API}/tweets/{tweet['id']}")).json()["media"] == [media]


async def test_media_ids_must_be_the_authors_own_unattached_distinct_uploads(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    own = [await uploaded(client, alice) for _ in range(5)]
    theirs = await uploaded(client, bob)
    attached = await uploaded(client, alice)
    assert (await post(client, alice, {"media_ids": [attached]})).status_code == 201
    tweets_before = await tweet_count(engine)

    for media_ids in (
        ["Z" * 22],
        ["not an id"],
        ["x" * 1000],
        [theirs],
        [attached],
        [own[0], own[0]],
        own,  # five
        [own[0], theirs],
    ):
        response = await post(client, alice, {"text": "hi", "media_ids": media_ids})
        assert_problem(response, 400, "invalid_media")

    assert await tweet_count(engine) == tweets_before
    unattached = {row.id for row in await media_rows(engine) if row.tweet_id is None}
    assert unattached == {*own, theirs}


@pytest.mark.parametrize(
    "body",
    [
        {"media_ids": "abc"},
        {"media_ids": [1, 2]},
        {"media_ids": None},
        {"media_ids": [["a"]]},
        {"text": "  "},
        {},
        {"text": "", "media_ids": []},
    ],
    ids=["string", "numbers", "null", "nested", "blank-text", "empty", "nothing"],
)
async def test_bad_media_ids_or_empty_tweets_are_a_validation_error(
    client: httpx.AsyncClient, engine: AsyncEngine, body: dict[str, Any]
) -> None:
    (alice,) = await insert_users(engine, "alice")

    response = await post(client, alice, body)

    assert_problem(response, 400, "validation_error")
    assert await tweet_count(engine) == 0


async def test_tweets_racing_for_one_upload_one_wins(
    client: httpx.AsyncClient, engine: AsyncEngine, backend: str
) -> None:
    (alice,) = await insert_users(engine, "alice")
    for _ in range(ROUNDS[backend]):
        media_id = await uploaded(client, alice)

        responses = await asyncio.gather(
            *(post(client, alice, {"text": f"r{i}", "media_ids": [media_id]}) for i in range(4))
        )

        assert Counter(r.status_code for r in responses) == {201: 1, 400: 3}, [
            r.text for r in responses
        ]
        for refused in (r for r in responses if r.status_code == 400):
            assert_problem(refused, 400, "invalid_media")
        (winner,) = [r.json() for r in responses if r.status_code == 201]
        assert [m["id"] for m in winner["media"]] == [media_id]
    rows = await media_rows(engine)
    assert all(row.tweet_id is not None and row.position == 0 for row in rows)
    assert await tweet_count(engine) == ROUNDS[backend]


# --- Deletion -----------------------------------------------------------------------------


async def test_deleting_a_tweet_deletes_its_media(
    client: httpx.AsyncClient, engine: AsyncEngine, media_dir: Path
) -> None:
    (alice,) = await insert_users(engine, "alice")
    keep = await upload(client, alice)
    ids = [await uploaded(client, alice) for _ in range(2)]
    tweet = (await post(client, alice, {"media_ids": ids})).json()

    deleted = await client.delete(f"{API}/tweets/{tweet['id']}", headers=alice.auth)

    assert deleted.status_code == 204
    assert media_files(media_dir) == {media_name(keep.json()["url"])}
    assert [row.id for row in await media_rows(engine)] == [keep.json()["id"]]
    for media in tweet["media"]:
        assert (await client.get(media["url"])).status_code == 404
    gone = await client.patch(f"{API}/media/{ids[0]}", json={"alt": "x"}, headers=alice.auth)
    assert_problem(gone, 404, "media_not_found")


# --- Uploads never attached ---------------------------------------------------------------


async def test_an_unattached_upload_is_deleted_after_its_ttl(
    clocked_client: httpx.AsyncClient, clock: ManualClock, engine: AsyncEngine, media_dir: Path
) -> None:
    (alice,) = await insert_users(engine, "alice")
    client = clocked_client
    lone = (await upload(client, alice)).json()
    attached = (await upload(client, alice)).json()
    assert (await post(client, alice, {"media_ids": [attached["id"]]})).status_code == 201
    ttl = timedelta(seconds=RuntimeSettings().unattached_media_ttl_seconds)

    clock.advance(ttl - timedelta(seconds=1))
    await client.get("/health")  # the workers run before each GET
    assert len(await media_rows(engine)) == 2

    clock.advance(seconds=1)
    await client.get("/health")

    assert [row.id for row in await media_rows(engine)] == [attached["id"]]
    assert media_files(media_dir) == {media_name(attached["url"])}
    late = await post(client, alice, {"media_ids": [lone["id"]]})
    assert_problem(late, 400, "invalid_media")
