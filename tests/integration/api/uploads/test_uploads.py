"""Uploads over HTTP: tweet images and avatars, verified by decoding, stored clean under a
random name, served from /media with their real type; refusals leave nothing behind."""

from __future__ import annotations

import asyncio
import io
import random
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from PIL import Image
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support import image_samples as samples
from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem
from tests.support.app import make_app, serve
from tests.support.uploads import STORED_NAME, media_files, media_name, upload

TARGETS = ["tweet", "avatar"]


def stored_url(target: str, response: httpx.Response) -> str:
    assert response.status_code == (201 if target == "tweet" else 200), response.text
    url: str = response.json()["image_url" if target == "tweet" else "avatar_url"]
    return url


async def tweet_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT COUNT(*) FROM tweets"))).scalar_one())


async def avatar_url(client: httpx.AsyncClient, account: Account) -> str | None:
    url: str | None = (await client.get(f"{API}/me", headers=account.auth)).json()["avatar_url"]
    return url


def noise_png(side: int) -> bytes:
    """A valid PNG that hardly compresses: about 3 * side² bytes."""
    pixels = random.Random(side).randbytes(side * side * 3)
    output = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(output, "PNG")
    return output.getvalue()


# --- Accepted images ---

VALID = [
    pytest.param(samples.png_with_metadata_bytes, "png", (32, 24), id="png"),
    pytest.param(samples.jpeg_with_exif_bytes, "jpeg", (40, 20), id="jpeg-with-exif"),
    pytest.param(samples.gif_with_comment_bytes, "gif", (32, 24), id="gif"),
    pytest.param(samples.webp_with_metadata_bytes, "webp", (32, 24), id="webp"),
]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(("make", "image_format", "size"), VALID)
async def test_a_valid_image_is_stored_clean_and_served_with_its_type(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    media_dir: Path,
    target: str,
    make: Callable[[], bytes],
    image_format: str,
    size: tuple[int, int],
) -> None:
    (alice,) = await insert_users(engine, "alice")

    # The file name and content type say nothing true: only the bytes count.
    url = stored_url(target, await upload(client, target, alice, make()))

    name = media_name(url)
    assert re.fullmatch(STORED_NAME, name)
    assert media_files(media_dir) == {name}
    served = await client.get(url)
    assert served.status_code == 200
    assert served.headers["content-type"] == f"image/{image_format}"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.content == (media_dir / name).read_bytes()
    image = Image.open(io.BytesIO(served.content))
    image.load()
    assert (image.format, image.size) == (image_format.upper(), size)
    assert not image.getexif()
    for marker in (*samples.METADATA_MARKERS, b"Exif", b"xmpmeta"):
        assert marker not in served.content


async def test_every_upload_gets_its_own_random_name(
    client: httpx.AsyncClient, engine: AsyncEngine, media_dir: Path
) -> None:
    (alice,) = await insert_users(engine, "alice")
    data = samples.png_bytes()

    urls = [stored_url("tweet", await upload(client, "tweet", alice, data)) for _ in range(2)]

    assert urls[0] != urls[1]
    assert media_files(media_dir) == {media_name(url) for url in urls}


# --- Refused files ---

INVALID = [
    pytest.param(samples.svg_bytes(), "logo.svg", "image/svg+xml", id="svg"),
    pytest.param(samples.html_bytes(), "photo.png", "image/png", id="html-named-png"),
    pytest.param(samples.truncated_jpeg_bytes(), "a.jpg", "image/jpeg", id="truncated-jpeg"),
    pytest.param(samples.truncated_png_bytes(), "a.png", "image/png", id="truncated-png"),
    pytest.param(samples.huge_png_header_bytes(), "a.png", "image/png", id="png-20000x20000"),
    pytest.param(samples.png_bytes(4097, 1), "a.png", "image/png", id="png-4097-wide"),
    pytest.param(samples.bmp_bytes(), "a.bmp", "image/bmp", id="bmp"),
    pytest.param(samples.random_bytes(), "a.gif", "image/gif", id="noise"),
    pytest.param(b"", "a.png", "image/png", id="empty"),
]


@pytest.mark.parametrize(("data", "filename", "content_type"), INVALID)
async def test_a_tweet_with_an_invalid_image_is_refused_and_leaves_nothing(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    media_dir: Path,
    data: bytes,
    filename: str,
    content_type: str,
) -> None:
    (alice,) = await insert_users(engine, "alice")
    files = {"text": (None, "look"), "image": (filename, data, content_type)}

    response = await client.post(f"{API}/tweets", files=files, headers=alice.auth)

    assert_problem(response, 400, "invalid_image")
    assert media_files(media_dir) == set()
    assert await tweet_rows(engine) == 0
    assert (await client.get(f"{API}/users/alice")).json()["tweets_count"] == 0


@pytest.mark.parametrize(("data", "filename", "content_type"), INVALID)
async def test_an_invalid_avatar_is_refused_and_the_old_one_stays(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    media_dir: Path,
    data: bytes,
    filename: str,
    content_type: str,
) -> None:
    (alice,) = await insert_users(engine, "alice")
    old = stored_url("avatar", await upload(client, "avatar", alice, samples.gif_bytes(8, 8)))

    response = await upload(client, "avatar", alice, data, filename, content_type)

    assert_problem(response, 400, "invalid_image")
    assert media_files(media_dir) == {media_name(old)}
    assert await avatar_url(client, alice) == old
    assert (await client.get(old)).status_code == 200


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(
    "make",
    [
        pytest.param(samples.gif_html_polyglot_bytes, id="gif-html"),
        pytest.param(samples.png_script_polyglot_bytes, id="png-script"),
        pytest.param(samples.jpeg_zip_polyglot_bytes, id="jpeg-zip"),
    ],
)
async def test_a_polyglot_is_only_ever_kept_as_a_clean_image(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    media_dir: Path,
    target: str,
    make: Callable[[], bytes],
) -> None:
    (alice,) = await insert_users(engine, "alice")

    response = await upload(client, target, alice, make(), "x.html", "text/html")

    if response.status_code == 400:
        assert_problem(response, 400, "invalid_image")
        assert media_files(media_dir) == set()
    else:
        served = await client.get(stored_url(target, response))
        assert served.status_code == 200
        assert samples.POLYGLOT_MARKER not in served.content
        assert served.headers["content-type"].startswith("image/")
        Image.open(io.BytesIO(served.content)).load()
    for name in media_files(media_dir):
        content = (media_dir / name).read_bytes()
        assert samples.POLYGLOT_MARKER not in content
        assert b"<html" not in content.lower()
        assert b"PK\x03\x04" not in content  # no zip archive rides along


# --- Size limits ---


@pytest.mark.parametrize("target", TARGETS)
async def test_an_image_over_5_mib_is_a_413(
    client: httpx.AsyncClient, engine: AsyncEngine, media_dir: Path, target: str
) -> None:
    (alice,) = await insert_users(engine, "alice")
    too_big = samples.png_bytes() + b"\0" * (5 * 1024 * 1024)

    response = await upload(client, target, alice, too_big, "a.png", "image/png")

    assert_problem(response, 413, "request_too_large")
    assert media_files(media_dir) == set()
    assert await tweet_rows(engine) == 0
    assert await avatar_url(client, alice) is None


async def test_the_max_image_bytes_setting_is_applied(engine: AsyncEngine, media_dir: Path) -> None:
    (root,) = await insert_users(engine, "root", admin=True)
    async with serve(make_app(engine, media_dir=media_dir)) as client:
        response = await client.patch(
            f"{API}/admin/settings", json={"max_image_bytes": 2048}, headers=root.auth
        )
        assert response.status_code == 200, response.text
    big, small = noise_png(30), samples.png_bytes(8, 8)
    assert len(small) <= 2048 < len(big)

    # A fresh instance reads the settings anew (others do within 5 seconds).
    async with serve(make_app(engine, media_dir=media_dir)) as client:
        for target in TARGETS:
            refused = await upload(client, target, root, big, "a.png", "image/png")
            assert_problem(refused, 413, "request_too_large")
            assert media_files(media_dir) == set()
        assert await tweet_rows(engine) == 0
        assert await avatar_url(client, root) is None
        stored = {media_name(stored_url(t, await upload(client, t, root, small))) for t in TARGETS}
        assert media_files(media_dir) == stored


async def test_an_avatar_upload_needs_an_image_field(
    client: httpx.AsyncClient, engine: AsyncEngine, media_dir: Path
) -> None:
    (alice,) = await insert_users(engine, "alice")

    response = await client.put(
        f"{API}/me/avatar",
        files={"other": ("a.png", samples.png_bytes(), "image/png")},
        headers=alice.auth,
    )
    missing = await client.put(
        f"{API}/me/avatar", files={"image": (None, "not a file")}, headers=alice.auth
    )

    assert_problem(response, 400)
    assert_problem(missing, 400)
    assert media_files(media_dir) == set()
    assert await avatar_url(client, alice) is None


# --- Files go when what uses them goes ---


@pytest.mark.parametrize("caller", ["author", "admin"])
async def test_deleting_a_tweet_removes_its_image(
    client: httpx.AsyncClient, engine: AsyncEngine, media_dir: Path, caller: str
) -> None:
    (alice,) = await insert_users(engine, "alice")
    (root,) = await insert_users(engine, "root", admin=True)
    kept = stored_url("tweet", await upload(client, "tweet", alice, samples.png_bytes()))
    response = await upload(client, "tweet", alice, samples.jpeg_bytes())
    doomed, tweet_id = stored_url("tweet", response), response.json()["id"]

    deleted = await client.delete(
        f"{API}/tweets/{tweet_id}", headers=(alice if caller == "author" else root).auth
    )

    assert deleted.status_code == 204
    assert media_files(media_dir) == {media_name(kept)}
    assert_problem(await client.get(doomed), 404)
    assert (await client.get(kept)).status_code == 200


async def test_replacing_and_removing_an_avatar_removes_the_old_file(
    client: httpx.AsyncClient, engine: AsyncEngine, media_dir: Path
) -> None:
    alice, bob = await insert_users(engine, "alice", "bob")
    bobs = stored_url("avatar", await upload(client, "avatar", bob, samples.gif_bytes()))
    first = stored_url("avatar", await upload(client, "avatar", alice, samples.png_bytes()))
    tweet = (await client.post(f"{API}/tweets", json={"text": "hi"}, headers=alice.auth)).json()
    assert tweet["author"]["avatar_url"] == first

    second = stored_url("avatar", await upload(client, "avatar", alice, samples.webp_bytes()))

    assert second != first
    assert media_files(media_dir) == {media_name(bobs), media_name(second)}
    assert_problem(await client.get(first), 404)
    assert (await client.get(second)).headers["content-type"] == "image/webp"
    profile = (await client.get(f"{API}/users/alice")).json()
    assert profile["avatar_url"] == second
    shown = (await client.get(f"{API}/tweets/{tweet['id']}")).json()
    assert shown["author"]["avatar_url"] == second

    for _ in range(2):  # removing is idempotent
        removed = await client.delete(f"{API}/me/avatar", headers=alice.auth)
        assert removed.status_code == 204
        assert removed.content == b""
    assert media_files(media_dir) == {media_name(bobs)}
    assert_problem(await client.get(second), 404)
    assert await avatar_url(client, alice) is None
    assert (await client.get(f"{API}/users/alice")).json()["avatar_url"] is None
    shown = (await client.get(f"{API}/tweets/{tweet['id']}")).json()
    assert shown["author"]["avatar_url"] is None
    assert await avatar_url(client, bob) == bobs


# --- GET /media/{name} serves uploads and nothing else ---


async def test_media_serves_nothing_but_uploads(
    client: httpx.AsyncClient, engine: AsyncEngine, media_dir: Path, tmp_path: Path
) -> None:
    (alice,) = await insert_users(engine, "alice")
    url = stored_url("tweet", await upload(client, "tweet", alice, samples.png_bytes()))
    name = media_name(url)
    stem = name.removesuffix(".png")
    secret = b"TOP-SECRET-CONTENT"
    (tmp_path / "secret.png").write_bytes(secret)  # beside the media directory
    (media_dir / "notes.txt").write_bytes(secret)  # inside it, under names never given out
    (media_dir / "secret.png").write_bytes(secret)
    (media_dir / f"{stem}.txt").write_bytes(secret)

    for path in (
        "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "..%2Fsecret.png",
        "%2e%2e%2fsecret.png",
        "%2e%2e",
        "%2Fetc%2Fpasswd",
        quote(str(tmp_path / "secret.png"), safe=""),
        "notes.txt",
        "secret.png",
        f"{stem}.txt",
        f"{stem}.jpg",
        f"{stem}.PNG",
        f"{stem}.png%00.txt",
        f"{stem[:-1]}.png",
        "A" * 22 + ".png",
    ):
        response = await client.get(f"/media/{path}")
        assert_problem(response, 404)
        assert secret not in response.content
        assert b"root:" not in response.content

    assert (await client.get(f"/media/{name}")).status_code == 200


@pytest.mark.parametrize(
    ("route", "part"),
    [
        pytest.param("tweet", b'name="text"\r\n\r\n\xff\xfe', id="tweet-text-not-utf8"),
        pytest.param(
            "tweet",
            b'name="text"\r\nContent-Type: text/plain; charset=bogus\r\n\r\nhello',
            id="tweet-text-unknown-charset",
        ),
        pytest.param("avatar", b'name="note"\r\n\r\n\xed\xa0\x80', id="avatar-part-not-utf8"),
    ],
)
async def test_an_undecodable_text_part_is_a_400(
    client: httpx.AsyncClient, engine: AsyncEngine, media_dir: Path, route: str, part: bytes
) -> None:
    (alice,) = await insert_users(engine, "alice")
    body = b"--XyZ\r\nContent-Disposition: form-data; " + part + b"\r\n--XyZ--\r\n"
    headers = {**alice.auth, "Content-Type": "multipart/form-data; boundary=XyZ"}

    if route == "tweet":
        response = await client.post(f"{API}/tweets", content=body, headers=headers)
    else:
        response = await client.put(f"{API}/me/avatar", content=body, headers=headers)

    assert_problem(response, 400, "validation_error")
    assert media_files(media_dir) == set()
    assert await tweet_rows(engine) == 0


async def test_past_uploads_per_user_per_hour_an_upload_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine, media_dir: Path
) -> None:
    (root,) = await insert_users(engine, "root", admin=True)
    alice, bob = await insert_users(engine, "alice", "bob")
    response = await client.patch(
        f"{API}/admin/settings", json={"uploads_per_user_per_hour": 2}, headers=root.auth
    )
    assert response.status_code == 200, response.text
    assert response.json()["uploads_per_user_per_hour"] == 2
    image = samples.png_bytes(8, 8)
    stored = {media_name(stored_url(t, await upload(client, t, alice, image))) for t in TARGETS}
    avatar = await avatar_url(client, alice)

    # The third upload within the hour, by either route, is refused before it is decoded.
    for target in TARGETS:
        refused = await upload(client, target, alice, image, "a.png", "image/png")
        assert_problem(refused, 429, "too_many_attempts")
        assert 0 < int(refused.headers["retry-after"]) <= 3600

    assert media_files(media_dir) == stored
    assert await tweet_rows(engine) == 1
    assert await avatar_url(client, alice) == avatar
    # The limit is per user, and a tweet without an image is no upload.
    stored_url("avatar", await upload(client, "avatar", bob, image))
    text_only = await client.post(f"{API}/tweets", json={"text": "hi"}, headers=alice.auth)
    assert text_only.status_code == 201, text_only.text


async def test_head_on_media_answers_like_get_without_the_image(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    (alice,) = await insert_users(engine, "alice")
    url = stored_url("tweet", await upload(client, "tweet", alice, samples.png_bytes()))

    got, head = await client.get(url), await client.head(url)

    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) == len(got.content) > 0
    for header in (
        "content-type",
        "x-content-type-options",
        "cache-control",
        "content-security-policy",
    ):
        assert head.headers[header] == got.headers[header], header
    assert (await client.head(url.replace(".png", ".gif"))).status_code == 404


async def test_concurrent_avatar_uploads_leave_only_the_avatar_shown(
    client: httpx.AsyncClient, engine: AsyncEngine, media_dir: Path
) -> None:
    (alice,) = await insert_users(engine, "alice")
    images = [samples.png_bytes(8 + index, 8) for index in range(20)]

    responses = await asyncio.gather(*(upload(client, "avatar", alice, image) for image in images))

    assert [response.status_code for response in responses] == [200] * len(images)
    shown = await avatar_url(client, alice)
    assert shown is not None
    assert media_files(media_dir) == {media_name(shown)}  # every replaced file was deleted
    assert (await client.get(shown)).status_code == 200
