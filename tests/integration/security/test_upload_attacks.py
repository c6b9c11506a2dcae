"""Upload attacks over HTTP, on both upload endpoints (PUT /me/avatar and POST /tweets).

What a hostile client tries: files that pass for an image at first glance (polyglots, SVG,
HTML behind an image signature, headers without pixels), a decompression bomb, bodies over
the size limit, file names that point outside the media directory, metadata that gives a
place away, and /media paths that climb out of it. A refused upload changes nothing: no
file, no new avatar, no tweet.

The plain cases (an SVG with a script named .svg, HTML named .png, truncated PNG and JPEG,
a 20000x20000 PNG header, a body over 5 MiB) are in api/uploads/test_uploads.py.
"""

from __future__ import annotations

import asyncio
import functools
import io
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from litestar import Litestar
from PIL import ExifTags, Image, ImageFile
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.settings import RuntimeSettings
from entrypoints.http.forms import FORM_OVERHEAD_BYTES
from tests.support import image_samples as samples
from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_problem
from tests.support.app import make_app, serve
from tests.support.uploads import STORED_NAME, media_files, media_name, upload

ENDPOINTS = ["avatar", "tweet"]
BOUNDARY = "chirp-attack-boundary"
# What an image re-encoded by the server ends with: nothing may follow.
END_OF_IMAGE = {"png": b"IEND\xae\x42\x60\x82", "gif": b";", "jpeg": b"\xff\xd9"}


async def upload_raw(
    client: httpx.AsyncClient, endpoint: str, account: Account, disposition: bytes, data: bytes
) -> httpx.Response:
    """Like ``upload``, with the file part's Content-Disposition written byte for byte (so
    that a file name carries exactly what an attacker puts in it: NUL, backslashes, ...)."""
    body = (
        f"--{BOUNDARY}\r\n".encode()
        + b"Content-Disposition: "
        + disposition
        + b"\r\nContent-Type: image/png\r\n\r\n"
        + data
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    headers = {**account.auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    if endpoint == "tweet":
        return await client.post(f"{API}/tweets", content=body, headers=headers)
    return await client.put(f"{API}/me/avatar", content=body, headers=headers)


def accepted_url(endpoint: str, response: httpx.Response) -> str:
    """The stored image's URL in a successful upload's response."""
    assert response.status_code == (201 if endpoint == "tweet" else 200), response.text
    url: str = response.json()["image_url" if endpoint == "tweet" else "avatar_url"]
    return url


@dataclass(frozen=True)
class State:
    """What an upload can change, as a user sees it."""

    files: frozenset[str]
    avatar_url: str | None
    tweets_count: int


async def state(client: httpx.AsyncClient, account: Account, media_dir: Path) -> State:
    me = await client.get(f"{API}/me", headers=account.auth)
    assert me.status_code == 200, me.text
    body = me.json()
    return State(frozenset(media_files(media_dir)), body["avatar_url"], body["tweets_count"])


async def owner(client: httpx.AsyncClient, engine: AsyncEngine) -> Account:
    """A user who already has an avatar and a tweet with an image: something to lose."""
    (alice,) = await insert_users(engine, "alice")
    accepted_url("avatar", await upload(client, "avatar", alice, samples.gif_bytes(8, 8)))
    accepted_url("tweet", await upload(client, "tweet", alice, samples.png_bytes(8, 8)))
    return alice


@pytest.fixture
async def alice(client: httpx.AsyncClient, engine: AsyncEngine) -> Account:
    return await owner(client, engine)


async def assert_refused_and_nothing_changed(
    client: httpx.AsyncClient,
    response: httpx.Response,
    account: Account,
    media_dir: Path,
    before: State,
    status: int = 400,
    code: str | None = "invalid_image",
) -> None:
    assert_problem(response, status, code)
    assert await state(client, account, media_dir) == before
    assert before.avatar_url is not None
    assert (await client.get(before.avatar_url)).status_code == 200  # the old one still works


# --- Files that pass for an image at a glance, and are not one ---

# (what, file name, content type): each file claims to be an image by its name and type.
REFUSED: list[tuple[Callable[[], bytes], str, str]] = [
    (samples.gif_header_script_bytes, "a.gif", "image/gif"),
    (samples.gif_javascript_polyglot_bytes, "a.gif", "image/gif"),
    (functools.partial(samples.svg_bytes, script=False), "logo.svg", "image/svg+xml"),
    (samples.svg_bytes, "logo.png", "image/png"),
    (samples.png_signature_html_bytes, "photo.png", "image/png"),
    (samples.jpeg_signature_html_bytes, "a.jpg", "image/jpeg"),
    (samples.png_cut_after_header_bytes, "a.png", "image/png"),
    (samples.jpeg_cut_before_scan_bytes, "a.jpg", "image/jpeg"),
]


def sample_name(make: Callable[[], bytes]) -> str:
    if isinstance(make, functools.partial):
        options = ", ".join(f"{key}={value!r}" for key, value in make.keywords.items())
        return f"{make.func.__name__}({options})"
    return make.__name__


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_file_that_only_looks_like_an_image_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
    alice: Account,
    media_dir: Path,
    subtests: pytest.Subtests,
    endpoint: str,
) -> None:
    for make, filename, content_type in REFUSED:
        with subtests.test(sample_name(make)):
            before = await state(client, alice, media_dir)

            response = await upload(client, endpoint, alice, make(), filename, content_type)

            await assert_refused_and_nothing_changed(client, response, alice, media_dir, before)


# --- Polyglots: a real image with something else riding along ---

# (what, the format it is taken as)
POLYGLOTS: list[tuple[Callable[[], bytes], str]] = [
    (samples.png_zip_polyglot_bytes, "png"),
    (samples.png_html_polyglot_bytes, "png"),
    (samples.png_script_polyglot_bytes, "png"),  # also a tEXt chunk with the script
    (samples.gif_html_polyglot_bytes, "gif"),
    (samples.jpeg_zip_polyglot_bytes, "jpeg"),
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_polyglot_is_accepted_as_a_clean_reencoded_image_without_its_payload(
    client: httpx.AsyncClient,
    alice: Account,
    media_dir: Path,
    subtests: pytest.Subtests,
    endpoint: str,
) -> None:
    # It *is* a valid image (the contract verifies by decoding), so it is taken; what is
    # kept is only the re-encoded picture, never the bytes that came in.
    for make, image_format in POLYGLOTS:
        with subtests.test(sample_name(make)):
            data = make()
            before = await state(client, alice, media_dir)

            response = await upload(client, endpoint, alice, data, "x.html", "text/html")

            name = media_name(accepted_url(endpoint, response))
            assert STORED_NAME.fullmatch(name)
            assert media_files(media_dir) - before.files == {name}
            stored = (media_dir / name).read_bytes()
            served = await client.get(f"/media/{name}")
            assert served.status_code == 200
            assert served.content == stored
            assert served.headers["content-type"] == f"image/{image_format}"
            assert served.headers["x-content-type-options"] == "nosniff"
            assert stored.endswith(END_OF_IMAGE[image_format])  # nothing after its end
            lowered = stored.lower()
            for payload in (b"<script", b"<html", b"<!doctype", b"pk\x03\x04", b"pk\x05\x06"):
                assert payload not in lowered
            Image.open(io.BytesIO(stored)).load()


# --- A decompression bomb ---


@functools.cache
def png_bomb() -> bytes:
    return samples.png_bomb_bytes(20000)


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The size of every image Pillow decodes the pixels of while the test runs."""
    sizes: list[tuple[int, int]] = []
    load = ImageFile.ImageFile.load

    def spy(image: ImageFile.ImageFile) -> Any:
        sizes.append(image.size)
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    return sizes


@functools.cache
def png_text_bomb() -> bytes:
    return samples.png_text_bomb_bytes(64)


@functools.cache
def gif_canvas_bomb() -> bytes:
    # Each frame within the limits; Pillow would grow the 1x1 canvas to 4096x4096 and decode
    # the three big frames at that size, past the animation budget.
    return samples.gif_canvas_bomb_bytes(frames=4)


BOMBS: list[Callable[[], bytes]] = [
    png_bomb,
    functools.partial(samples.huge_jpeg_header_bytes, 65535, 65535),
    png_text_bomb,  # the pixels are fine; a text chunk inflates to 64 MB
    gif_canvas_bomb,
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_decompression_bomb_is_refused_without_decoding_its_pixels(
    client: httpx.AsyncClient,
    alice: Account,
    media_dir: Path,
    decoded: list[tuple[int, int]],
    subtests: pytest.Subtests,
    endpoint: str,
) -> None:
    for make in BOMBS:
        with subtests.test(sample_name(make)):
            data = make()
            assert len(data) < 64 * 1024  # small on the wire: no size limit stops it
            before = await state(client, alice, media_dir)
            decoded.clear()

            response = await upload(client, endpoint, alice, data, "a.png", "image/png")

            await assert_refused_and_nothing_changed(client, response, alice, media_dir, before)
            assert decoded == []  # refused from its header: not a pixel was decoded


# --- Bodies over the limit ---


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_the_max_image_bytes_setting_is_exact_to_the_byte(
    client: httpx.AsyncClient, engine: AsyncEngine, media_dir: Path, endpoint: str
) -> None:
    (root,) = await insert_users(engine, "root", admin=True)
    limit = 2048
    response = await client.patch(
        f"{API}/admin/settings", json={"max_image_bytes": limit}, headers=root.auth
    )
    assert response.status_code == 200, response.text
    image = samples.png_bytes(8, 8)
    # Bytes after a PNG's end are ignored by decoders: a valid image of exactly this size.
    at_limit = image + b"\0" * (limit - len(image))
    assert len(at_limit) == limit

    async with serve(make_app(engine, media_dir=media_dir)) as fresh:  # reads the settings
        alice = await owner(fresh, engine)
        before = await state(fresh, alice, media_dir)

        over = await upload(fresh, endpoint, alice, at_limit + b"\0")

        await assert_refused_and_nothing_changed(
            fresh, over, alice, media_dir, before, status=413, code="request_too_large"
        )
        url = accepted_url(endpoint, await upload(fresh, endpoint, alice, at_limit))
        assert media_files(media_dir) - before.files == {media_name(url)}


def multipart_of_size(size: int, chunk: int = 1024 * 1024) -> Iterator[bytes]:
    """A multipart body of exactly ``size`` bytes, in pieces: a small valid image, then a
    ``text`` field long enough to make up the size (too long for a tweet, and no field of
    an avatar upload: a body read whole is a 400)."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="a.png"'
        "\r\nContent-Type: image/png\r\n\r\n"
    ).encode() + samples.png_bytes(8, 8)
    head += f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="text"\r\n\r\n'.encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    yield head
    left = size - len(head) - len(tail)
    while left > 0:
        piece = min(chunk, left)
        left -= piece
        yield b"a" * piece
    yield tail


async def streamed(pieces: Iterator[bytes]) -> AsyncIterator[bytes]:
    """``pieces`` sent without a Content-Length (chunked): the server cannot tell the size
    before it has read that much."""
    for piece in pieces:
        yield piece


MIB = 1024 * 1024


@pytest.mark.parametrize(
    ("extra", "chunked", "status"),
    [
        pytest.param(0, False, 400, id="at-the-limit"),
        pytest.param(1, False, 413, id="one-byte-over"),
        pytest.param(1, True, 413, id="one-byte-over-chunked"),
    ],
)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_body_over_the_upload_limit_is_a_413_however_it_is_sent(
    client: httpx.AsyncClient,
    alice: Account,
    media_dir: Path,
    endpoint: str,
    extra: int,
    chunked: bool,
    status: int,
) -> None:
    # A body may be max_image_bytes plus room for the rest of the form; what is at the
    # limit is read (and refused for its oversized text field), what is over is not.
    before = await state(client, alice, media_dir)
    limit = RuntimeSettings().max_image_bytes + FORM_OVERHEAD_BYTES
    pieces = multipart_of_size(limit + extra)
    content: Any = streamed(pieces) if chunked else b"".join(pieces)
    headers = {**alice.auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    method, path = ("POST", "tweets") if endpoint == "tweet" else ("PUT", "me/avatar")

    response = await client.request(method, f"{API}/{path}", content=content, headers=headers)

    code = "validation_error" if status == 400 else "request_too_large"
    await assert_refused_and_nothing_changed(
        client, response, alice, media_dir, before, status=status, code=code
    )


@dataclass
class CountedBody:
    """A request body sent in pieces as the server asks for them, counting what it took."""

    pieces: Iterator[bytes]
    taken: int = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            self.taken += len(piece)
            yield piece


@pytest.mark.parametrize("announced", [False, True], ids=["chunked", "content-length"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_large_upload_is_refused_at_the_runtime_limit_without_reading_it_all(
    engine: AsyncEngine, media_dir: Path, endpoint: str, announced: bool
) -> None:
    (root,) = await insert_users(engine, "root", admin=True)
    async with serve(make_app(engine, media_dir=media_dir)) as admin:
        response = await admin.patch(
            f"{API}/admin/settings", json={"max_image_bytes": MIB}, headers=root.auth
        )
        assert response.status_code == 200, response.text
    size = 45 * MIB
    body = CountedBody(multipart_of_size(size, chunk=64 * 1024))
    headers = {**root.auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    if announced:
        headers["Content-Length"] = str(size)
    method, path = ("POST", "tweets") if endpoint == "tweet" else ("PUT", "me/avatar")

    async with serve(make_app(engine, media_dir=media_dir)) as client:  # reads the settings
        response = await client.request(method, f"{API}/{path}", content=body, headers=headers)

        assert_problem(response, 413, "request_too_large")
        if announced:  # refused from its Content-Length: not a byte read
            assert body.taken == 0
        else:  # refused once past the limit: a piece more at most
            assert MIB < body.taken <= MIB + FORM_OVERHEAD_BYTES + 64 * 1024
        assert media_files(media_dir) == set()


# --- File names that point elsewhere ---

FILENAMES = [
    b'filename="../../etc/passwd.png"',  # dot-dot-slash
    b'filename="..\\\\..\\\\x.png"',  # dot-dot-backslash-escaped
    b'filename="..\\..\\x.png"',  # dot-dot-backslash
    b'filename="/etc/passwd.png"',  # absolute
    b'filename="{outside}"',  # absolute-beside-media-dir
    b'filename="C:\\Windows\\x.png"',  # windows-absolute
    b'filename="x.png\x00.html"',  # nul-inside
    b'filename="\x00"',  # nul-only
    b'filename="....//....//x.png"',  # doubled-dots
    b'filename="..%2F..%2Fx.png"',  # percent-encoded
    b"filename*=UTF-8''..%2F..%2Fx.png",  # rfc5987
    b'filename="..\xe2\x88\x95..\xe2\x88\x95x.png"',  # unicode-slash
    b'filename=".."',  # dot-dot
    b'filename=""',  # empty
]


def tree(root: Path, skip: Path) -> dict[str, bytes]:
    """Every file under ``root`` but those under ``skip``, with its content."""
    files = {}
    for directory, _, names in os.walk(root):
        if Path(directory).is_relative_to(skip):
            continue
        for name in names:
            path = Path(directory) / name
            files[str(path)] = path.read_bytes()
    return files


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_file_name_never_decides_where_the_file_goes(
    client: httpx.AsyncClient,
    alice: Account,
    media_dir: Path,
    tmp_path: Path,
    subtests: pytest.Subtests,
    endpoint: str,
) -> None:
    outside = tmp_path / "outside.png"
    # Where a file named by the client would land, were the name used as a path.
    targets = [
        outside,
        Path("/etc/passwd.png"),
        Path("/x.png"),
        Path.cwd() / "x.png",
        Path(tempfile.gettempdir()) / "x.png",
        media_dir.parent.parent / "x.png",
        media_dir.parent.parent / "etc" / "passwd.png",
    ]
    assert not any(target.exists() for target in targets)
    elsewhere = tree(tmp_path, media_dir)

    for filename in FILENAMES:
        with subtests.test(filename.decode(errors="backslashreplace")):
            disposition = b'form-data; name="image"; ' + filename.replace(
                b"{outside}", str(outside).encode()
            )
            before = await state(client, alice, media_dir)

            response = await upload_raw(client, endpoint, alice, disposition, samples.png_bytes())

            assert not any(target.exists() for target in targets)
            assert tree(tmp_path, media_dir) == elsewhere
            if response.status_code == 400:  # a part the multipart parser takes for text
                await assert_refused_and_nothing_changed(
                    client, response, alice, media_dir, before, code=None
                )
                continue
            url = accepted_url(endpoint, response)
            name = media_name(url)
            assert STORED_NAME.fullmatch(name)  # random, whatever the client called it
            assert media_files(media_dir) - before.files == {name}
            served = await client.get(url)
            assert served.status_code == 200
            assert served.headers["content-type"] == "image/png"


# --- Metadata never reaches the people who view an image ---

# What a re-encoded image's ``info`` may hold: how its pixels are laid out, nothing more.
STRUCTURAL_INFO = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "transparency"}


@pytest.mark.parametrize(
    ("make", "image_format"),
    [
        pytest.param(samples.jpeg_with_exif_bytes, "jpeg", id="jpeg-exif-gps"),
        pytest.param(samples.png_with_metadata_bytes, "png", id="png-text-chunks"),
    ],
)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_served_image_carries_no_exif_gps_or_text(
    client: httpx.AsyncClient,
    alice: Account,
    media_dir: Path,
    endpoint: str,
    make: Callable[[], bytes],
    image_format: str,
) -> None:
    data = make()
    original = Image.open(io.BytesIO(data))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the sample gives a place away

    url = accepted_url(endpoint, await upload(client, endpoint, alice, data))

    served = await client.get(url)
    assert served.status_code == 200
    assert served.headers["content-type"] == f"image/{image_format}"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.content == (media_dir / media_name(url)).read_bytes()
    image = Image.open(io.BytesIO(served.content))
    image.load()
    assert image.format == image_format.upper()
    assert not image.getexif()
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert set(image.info) <= STRUCTURAL_INFO, image.info
    assert not getattr(image, "text", {})
    for marker in (*samples.METADATA_MARKERS, b"Exif", b"GPS", b"xmpmeta", b"tEXt", b"iTXt"):
        assert marker not in served.content


# --- /media/{name} never reaches outside the media directory ---

SENTINEL = "A" * 22 + ".png"
MEDIA_PATHS = [
    b"/media/..%2f..%2fetc%2fpasswd",
    b"/media/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    b"/media/%2e%2e",
    b"/media/%2e",
    b"/media/..",
    b"/media/../secret.png",
    b"/media/../../../../etc/passwd",
    b"/media/..%2fsecret.png",
    b"/media/..%5csecret.png",
    b"/media/..%5c..%5c..%5cetc%5cpasswd",
    b"/media/%252e%252e%252fsecret.png",
    b"/media/%c0%ae%c0%ae%c0%afsecret.png",
    b"/media/..;/secret.png",
    b"/media//etc/passwd",
    b"/media/%2fetc%2fpasswd",
    b"/media/%00",
    b"/media/secret.png%00",
    b"/media/{name}%00",
    b"/media/{name}%00.png",
    b"/media/{name}/..%2f..%2fsecret.png",
    b"/media/{stem}%2f..%2f..%2fsecret.png",
    b"/media/..%2f" + SENTINEL.encode(),  # a name shaped like an upload's, one level up
    b"/media/%2e%2e%2f" + SENTINEL.encode(),
    b"/media/..%5c" + SENTINEL.encode(),
    b"/media/" + b"A" * 5000 + b".png",
]


async def get_raw(app: Litestar, raw_path: bytes) -> httpx.Response:
    """GET ``raw_path`` exactly as sent (an HTTP client would remove its ``..`` segments
    first; a hostile one does not), handed to the app as an ASGI server does."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(raw_path.decode("ascii")),
        "raw_path": raw_path,
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    status: list[int] = []
    headers: list[tuple[bytes, bytes]] = []
    body: list[bytes] = []

    requested = False
    answered = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if requested:  # as a server does: the client's going away, once it has its answer
            await answered.wait()
            return {"type": "http.disconnect"}
        requested = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
            headers.extend(message.get("headers", []))
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))
            if not message.get("more_body", False):
                answered.set()

    await app(scope, receive, send)  # type: ignore[arg-type]
    return httpx.Response(status[0], headers=headers, content=b"".join(body))


async def test_media_paths_never_reach_outside_the_media_directory(
    engine: AsyncEngine, media_dir: Path, tmp_path: Path, subtests: pytest.Subtests
) -> None:
    app = make_app(engine, media_dir=media_dir)
    async with serve(app) as client:
        (alice,) = await insert_users(engine, "alice")
        url = accepted_url("tweet", await upload(client, "tweet", alice, samples.png_bytes()))
        name = media_name(url)
        secret = b"TOP-SECRET-BESIDE-THE-MEDIA-DIRECTORY"
        (tmp_path / "secret.png").write_bytes(secret)
        (tmp_path / SENTINEL).write_bytes(secret)
        assert (await get_raw(app, f"/media/{name}".encode())).status_code == 200

        for template in MEDIA_PATHS:
            raw = template.replace(b"{name}", name.encode())
            raw = raw.replace(b"{stem}", name.removesuffix(".png").encode())
            with subtests.test(raw.decode()[:80]):
                response = await get_raw(app, raw)

                assert response.status_code in (400, 404)
                assert_problem(response, response.status_code)
                assert secret not in response.content
                assert b"root:" not in response.content
