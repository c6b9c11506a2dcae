"""The image adapters: Pillow verification and cleaning, and the media storages (the local
directory, an S3 bucket on a throwaway SeaweedFS).

No database: these run once, not once per backend.
"""

from __future__ import annotations

import asyncio
import io
import stat
import struct
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import obstore
import pytest
from obstore.store import S3Store
from PIL import Image, ImageChops, ImageFile, ImageSequence

from adapters import image_headers
from adapters.image_headers import MAX_ANIMATION_PIXELS, MAX_FRAMES
from adapters.local_media_storage import LocalMediaStorage
from adapters.pillow_images import PillowImageProcessor
from adapters.s3_media_storage import S3MediaStorage
from application.errors import DependencyUnavailable
from application.ports.image_processor import MAX_IMAGE_SIDE, ProcessedImage
from application.ports.media_storage import MediaStorage
from devservers.ports import HOST, free_port
from domain.errors import InvalidImage
from tests.support import image_samples as samples
from tests.support.doubles import FakeImageProcessor, InMemoryMediaStorage
from tests.support.uploads import STORED_NAME

if TYPE_CHECKING:
    from obstore.store import ClientConfig

PLAIN_HTTP: ClientConfig = {"allow_http": True}


@pytest.fixture(scope="module")
async def processor() -> AsyncIterator[PillowImageProcessor]:
    images = PillowImageProcessor(threads=2)
    yield images
    images.close()


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def frames_of(data: bytes) -> list[tuple[Image.Image, int]]:
    """Every frame fully drawn, as RGBA, with its duration."""
    image = Image.open(io.BytesIO(data))
    return [
        (frame.convert("RGBA"), int(frame.info.get("duration", 0)))
        for frame in ImageSequence.Iterator(image)
    ]


def identical(first: Image.Image, second: Image.Image) -> bool:
    """Same pixels, colour and alpha (even the colour of transparent pixels)."""
    difference = ImageChops.difference(first.convert("RGBA"), second.convert("RGBA"))
    return difference.getbbox(alpha_only=False) is None


def jpeg_markers(data: bytes) -> list[int]:
    """The markers of a JPEG's segments, from its start to the image data."""
    markers, position = [], 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: pixels follow
            break
        position += 2 + struct.unpack(">H", data[position + 2 : position + 4])[0]
    return markers


def png_chunks(data: bytes) -> list[bytes]:
    chunks, position = [], 8
    while position + 8 <= len(data):
        length = struct.unpack(">I", data[position : position + 4])[0]
        chunks.append(data[position + 4 : position + 8])
        position += 12 + length
    return chunks


def webp_chunks(data: bytes) -> list[bytes]:
    """The top-level chunks of a WebP file (an animation frame's own chunks are not listed)."""
    chunks, position = [], 12
    while position + 8 <= len(data):
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        chunks.append(data[position : position + 4])
        position += 8 + size + (size & 1)
    return chunks


def assert_no_metadata_text(content: bytes) -> None:
    for marker in (*samples.METADATA_MARKERS, b"Exif", b"ICC_PROFILE", b"xmpmeta"):
        assert marker not in content, marker


# --- What is accepted, and comes out in its own format ---


@pytest.mark.parametrize(
    ("data", "image_format", "size"),
    [
        pytest.param(samples.jpeg_bytes(64, 48), "jpeg", (64, 48), id="jpeg"),
        pytest.param(samples.jpeg_bytes(33, 17, "L"), "jpeg", (33, 17), id="jpeg-grey"),
        pytest.param(samples.jpeg_bytes(40, 30, "CMYK"), "jpeg", (40, 30), id="jpeg-cmyk"),
        pytest.param(samples.png_bytes(64, 48), "png", (64, 48), id="png"),
        pytest.param(samples.png_bytes(20, 10, "RGBA"), "png", (20, 10), id="png-rgba"),
        pytest.param(samples.png_bytes(20, 10, "P"), "png", (20, 10), id="png-palette"),
        pytest.param(samples.png_bytes(20, 10, "LA"), "png", (20, 10), id="png-grey-alpha"),
        pytest.param(samples.gif_bytes(64, 48), "gif", (64, 48), id="gif"),
        pytest.param(samples.webp_bytes(64, 48), "webp", (64, 48), id="webp"),
        pytest.param(
            samples.webp_bytes(30, 20, lossless=True), "webp", (30, 20), id="webp-lossless"
        ),
        pytest.param(samples.mpo_bytes(32, 24), "jpeg", (32, 24), id="mpo-is-a-jpeg"),
        pytest.param(samples.png_bytes(MAX_IMAGE_SIDE, 1), "png", (MAX_IMAGE_SIDE, 1), id="widest"),
        pytest.param(
            samples.png_bytes(1, MAX_IMAGE_SIDE), "png", (1, MAX_IMAGE_SIDE), id="tallest"
        ),
    ],
)
async def test_a_valid_image_comes_out_in_its_format_and_size(
    processor: PillowImageProcessor, data: bytes, image_format: str, size: tuple[int, int]
) -> None:
    processed = await processor.process(data)

    assert (processed.format, (processed.width, processed.height)) == (image_format, size)
    image = decode(processed.content)
    assert image.format == image_format.upper()
    assert image.size == size
    assert processed.content_type == f"image/{image_format}"


async def test_the_pixels_survive(processor: PillowImageProcessor) -> None:
    for data in (samples.png_bytes(20, 10, "RGBA"), samples.png_bytes(20, 10, "P")):
        processed = await processor.process(data)
        assert identical(decode(processed.content).convert("RGBA"), decode(data).convert("RGBA"))


async def test_lossless_webp_stays_lossless(processor: PillowImageProcessor) -> None:
    data = samples.webp_bytes(30, 20, lossless=True)
    processed = await processor.process(data)

    assert b"VP8L" in webp_chunks(processed.content)
    assert identical(decode(processed.content), decode(data))


# --- Metadata is dropped ---


async def test_exif_with_gps_comment_and_xmp_is_dropped_from_a_jpeg(
    processor: PillowImageProcessor,
) -> None:
    data = samples.jpeg_with_exif_bytes()
    assert decode(data).getexif()  # the sample does carry it

    processed = await processor.process(data)

    image = decode(processed.content)
    assert not image.getexif()
    assert image.getexif().get_ifd(0x8825) == {}  # GPS
    assert not {"exif", "comment", "xmp", "icc_profile"} & set(image.info)
    assert_no_metadata_text(processed.content)
    # Only JFIF (APP0), tables and the frame: no APPn with EXIF/XMP/ICC, no comment (COM).
    markers = jpeg_markers(processed.content)
    assert not [m for m in markers if 0xE1 <= m <= 0xEF or m == 0xFE]


async def test_text_exif_and_xmp_chunks_are_dropped_from_a_png(
    processor: PillowImageProcessor,
) -> None:
    processed = await processor.process(samples.png_with_metadata_bytes())

    assert set(png_chunks(processed.content)) <= {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
    assert not decode(processed.content).getexif()
    assert_no_metadata_text(processed.content)


async def test_exif_and_xmp_chunks_are_dropped_from_a_webp(
    processor: PillowImageProcessor,
) -> None:
    processed = await processor.process(samples.webp_with_metadata_bytes())

    assert not {b"EXIF", b"XMP ", b"ICCP"} & set(webp_chunks(processed.content))
    assert not decode(processed.content).getexif()
    assert_no_metadata_text(processed.content)


async def test_the_comment_is_dropped_from_a_gif(processor: PillowImageProcessor) -> None:
    processed = await processor.process(samples.gif_with_comment_bytes())

    assert "comment" not in decode(processed.content).info
    assert_no_metadata_text(processed.content)


async def test_an_icc_profile_is_applied_then_dropped(processor: PillowImageProcessor) -> None:
    # Stored red, in a colour space where that red is sRGB's green.
    processed = await processor.process(samples.jpeg_with_icc_bytes())

    image = decode(processed.content)
    assert "icc_profile" not in image.info
    assert 0xE2 not in jpeg_markers(processed.content)
    red, green, blue = image.convert("RGB").getpixel((8, 8))  # type: ignore[misc]
    assert green > 200
    assert red < 60
    assert blue < 60


@pytest.mark.parametrize(
    ("orientation", "size", "top_left", "bottom_right"),
    [
        (1, (40, 20), samples.RED, samples.BLUE),
        (3, (40, 20), samples.BLUE, samples.RED),  # upside down
        (6, (20, 40), samples.RED, samples.BLUE),  # turned 90° clockwise to view
        (8, (20, 40), samples.BLUE, samples.RED),  # turned 90° anticlockwise to view
    ],
)
async def test_the_exif_orientation_is_applied_before_exif_is_dropped(
    processor: PillowImageProcessor,
    orientation: int,
    size: tuple[int, int],
    top_left: tuple[int, int, int],
    bottom_right: tuple[int, int, int],
) -> None:
    processed = await processor.process(samples.jpeg_with_exif_bytes(orientation=orientation))

    image = decode(processed.content).convert("RGB")
    assert (processed.width, processed.height) == image.size == size
    assert not image.getexif()

    def near(pixel: object, colour: tuple[int, int, int]) -> bool:
        assert isinstance(pixel, tuple)
        return all(abs(a - b) < 40 for a, b in zip(pixel, colour, strict=True))

    assert near(image.getpixel((2, 2)), top_left)
    assert near(image.getpixel((size[0] - 3, size[1] - 3)), bottom_right)


# --- What is refused ---


@pytest.mark.parametrize(
    "make",
    [
        samples.svg_bytes,
        samples.html_bytes,
        samples.bmp_bytes,
        samples.tiff_bytes,
        samples.truncated_jpeg_bytes,
        samples.huge_png_header_bytes,
        samples.huge_jpeg_header_bytes,
        samples.gif_frame_beyond_canvas_bytes,
        samples.gif_with_many_frames_bytes,
        samples.webp_huge_canvas_bytes,
        samples.random_bytes,
        lambda: b"",
        lambda: samples.png_bytes(MAX_IMAGE_SIDE + 1, 1),
        lambda: samples.png_bytes(1, MAX_IMAGE_SIDE + 1),
        lambda: samples.jpeg_bytes()[:200],  # headers, no pixels
        samples.truncated_png_bytes,
        lambda: b"\x89PNG\r\n\x1a\n" + samples.random_bytes(200),
        lambda: b"GIF89a" + samples.random_bytes(200),
    ],
    ids=lambda make: getattr(make, "__name__", "bytes"),
)
async def test_anything_but_a_whole_small_jpeg_png_gif_or_webp_is_refused(
    processor: PillowImageProcessor, make: Callable[[], bytes]
) -> None:
    with pytest.raises(InvalidImage):
        await processor.process(make())


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(samples.huge_png_header_bytes(), id="png-20000x20000"),
        pytest.param(samples.huge_png_header_bytes(10000, 10000), id="png-10000x10000"),
        pytest.param(samples.huge_jpeg_header_bytes(), id="jpeg-10000x10000"),
        pytest.param(samples.huge_jpeg_header_bytes(65535, 65535), id="jpeg-65535x65535"),
        pytest.param(
            samples.huge_jpeg_header_bytes(junk_before_frame=True), id="jpeg-10000x10000-junk"
        ),
        pytest.param(samples.webp_huge_canvas_bytes(), id="webp-10000x10000"),
        pytest.param(samples.webp_huge_canvas_bytes(16383, 16383), id="webp-16383x16383"),
        pytest.param(samples.webp_huge_canvas_bytes(animated=True), id="animated-webp-10000x10000"),
        pytest.param(samples.gif_frame_beyond_canvas_bytes(), id="gif-frame-5000x5000"),
        pytest.param(samples.gif_frame_beyond_canvas_bytes(12000), id="gif-frame-12000x12000"),
        pytest.param(samples.gif_canvas_bomb_bytes(), id="gif-1x1-screen-then-4096x4096-frames"),
    ],
)
async def test_a_decompression_bomb_is_refused_from_its_header_before_pillow_opens_it(
    processor: PillowImageProcessor,
    data: bytes,
    monkeypatch: pytest.MonkeyPatch,
    recwarn: pytest.WarningsRecorder,
) -> None:
    # Pillow's own checks come too late for some (its WebP decoder allocates the canvas on
    # opening; a GIF frame beyond the canvas grows it while seeking) and only warn for others.
    opened: list[object] = []
    monkeypatch.setattr(Image, "open", lambda *args, **kwargs: opened.append(args))

    with pytest.raises(InvalidImage):
        await processor.process(data)

    assert opened == []
    assert not [w for w in recwarn if issubclass(w.category, Image.DecompressionBombWarning)]


async def test_a_truncated_image_is_refused_even_by_a_careless_global_setting(
    processor: PillowImageProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(RuntimeError, match="LOAD_TRUNCATED_IMAGES"):
        await processor.process(samples.truncated_jpeg_bytes())


@pytest.mark.parametrize(
    ("frames", "accepted"),
    [(MAX_FRAMES, True), (MAX_FRAMES + 1, False)],
)
@pytest.mark.parametrize("animation", ["gif", "webp"])
async def test_an_animation_has_at_most_max_frames(
    processor: PillowImageProcessor, animation: str, frames: int, accepted: bool
) -> None:
    make = samples.animated_gif_bytes if animation == "gif" else samples.animated_webp_bytes
    data = make(frames, frames, 2)

    if accepted:
        processed = await processor.process(data)
        assert len(frames_of(processed.content)) == frames
    else:
        with pytest.raises(InvalidImage):
            await processor.process(data)


async def test_an_animation_too_large_in_total_is_refused(
    processor: PillowImageProcessor,
) -> None:
    # Three frames of 4096x4096: each is allowed, all three would take 200 MB decoded.
    big = samples.handmade_gif_bytes((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE), [(0, 0, 1, 1)] * 3)
    with pytest.raises(InvalidImage):
        await processor.process(big)
    small = samples.handmade_gif_bytes((512, 512), [(0, 0, 1, 1), (1, 1, 1, 1), (2, 2, 1, 1)])
    assert (await processor.process(small)).format == "gif"


async def test_every_frame_is_counted_at_the_size_pillow_decodes_it(
    processor: PillowImageProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The header walk refuses this GIF before Pillow opens it; without that walk, what
    # Pillow decodes is still counted at the canvas it grows to, frame by frame.
    monkeypatch.setattr(image_headers, "check_gif_frames", lambda data: None)
    decoded: list[int] = []
    load = ImageFile.ImageFile.load

    def spy(image: ImageFile.ImageFile) -> object:
        if image.tile:  # pixels left to decode
            decoded.append(image.width * image.height)
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)

    with pytest.raises(InvalidImage):
        await processor.process(samples.gif_canvas_bomb_bytes())

    assert 0 < sum(decoded) <= MAX_ANIMATION_PIXELS


# Re-encodes an image in a fresh interpreter: how much its peak memory grew, in MiB. VmHWM is
# this process's own high-water mark (ru_maxrss would start from the parent's, as it was
# when it forked).
_PEAK_GROWTH = """
import re, sys
from adapters.pillow_images import process_image

def peak():
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\\s*(\\d+) kB", status.read()).group(1))

data = sys.stdin.buffer.read()
before = peak()
process_image(data)
print((peak() - before) / 1024)
"""


def test_an_animation_is_reencoded_without_holding_every_frame_decoded() -> None:
    # 32 frames of 1024x1024, the whole pixel budget: held decoded all at once, the frames
    # alone take 128 MiB (4 bytes a pixel). Streamed one by one into Pillow's GIF writer,
    # what remains is the writer's own palette copy of each frame and its work on one pair.
    frames = [Image.new("P", (1024, 1024), index % 2) for index in range(32)]
    for frame in frames:
        frame.putpalette([*samples.RED, *samples.GREEN])
    output = io.BytesIO()
    frames[0].save(output, "GIF", save_all=True, append_images=frames[1:], duration=40)

    done = subprocess.run(
        [sys.executable, "-c", _PEAK_GROWTH],
        input=output.getvalue(),
        capture_output=True,
        check=True,
        timeout=60,
    )

    assert float(done.stdout) < 96, done.stdout


# --- Polyglots lose their payload ---


@pytest.mark.parametrize(
    ("make", "image_format"),
    [
        (samples.gif_html_polyglot_bytes, "gif"),
        (samples.png_script_polyglot_bytes, "png"),
        (samples.jpeg_zip_polyglot_bytes, "jpeg"),
    ],
)
async def test_a_polyglot_is_stored_without_its_payload(
    processor: PillowImageProcessor, make: Callable[[], bytes], image_format: str
) -> None:
    data = make()
    assert samples.POLYGLOT_MARKER in data

    processed = await processor.process(data)

    assert processed.format == image_format
    assert samples.POLYGLOT_MARKER not in processed.content
    assert b"<html" not in processed.content.lower()
    assert b"PK\x03\x04" not in processed.content  # no ZIP entry left
    decode(processed.content)


# --- Animations keep their frames ---


@pytest.mark.parametrize(
    ("data", "image_format", "loop"),
    [
        pytest.param(samples.animated_gif_bytes(4, duration=70), "gif", 0, id="gif"),
        pytest.param(samples.animated_gif_bytes(3, loop=None), "gif", None, id="gif-once"),
        pytest.param(samples.animated_gif_bytes(5, loop=3), "gif", 3, id="gif-3-times"),
        pytest.param(samples.animated_gif_bytes(4, transparent=True), "gif", 0, id="gif-alpha"),
        pytest.param(samples.animated_webp_bytes(4, duration=70), "webp", 0, id="webp"),
        pytest.param(samples.animated_png_bytes(4, duration=70), "png", 0, id="apng"),
    ],
)
async def test_an_animation_keeps_its_frames_timing_and_loop(
    processor: PillowImageProcessor, data: bytes, image_format: str, loop: int | None
) -> None:
    processed = await processor.process(data)

    assert processed.format == image_format
    before, after = frames_of(data), frames_of(processed.content)
    assert len(after) == len(before) > 1
    assert [duration for _, duration in after] == [duration for _, duration in before]
    for (original, _), cleaned in zip(before, after, strict=True):
        assert identical(original, cleaned[0])
    assert decode(processed.content).info.get("loop") == loop


async def test_many_images_are_processed_at_once(processor: PillowImageProcessor) -> None:
    data = [samples.jpeg_bytes(64 + n, 48) for n in range(8)]

    processed = await asyncio.gather(*(processor.process(d) for d in data))

    assert [p.width for p in processed] == [64 + n for n in range(8)]


# --- Media storage: local files, an S3 store, the in-memory fake ---


def image(image_format: str = "png", content: bytes = b"cleaned image bytes") -> ProcessedImage:
    return ProcessedImage(content, image_format, 1, 1)


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture(params=["local", "s3", "memory"])
def storage(request: pytest.FixtureRequest, media_dir: Path) -> MediaStorage:
    """The real storages (files, an S3 bucket on a throwaway SeaweedFS), and the in-memory
    fake that unit tests rely on to behave alike."""
    if request.param == "local":
        return LocalMediaStorage(media_dir)
    if request.param == "s3":
        endpoint: str = request.getfixturevalue("s3_endpoint")
        bucket: str = request.getfixturevalue("bucket")
        return S3MediaStorage(bucket, endpoint=endpoint, region="us-east-1")
    return InMemoryMediaStorage()


@pytest.mark.parametrize("image_format", ["jpeg", "png", "gif", "webp"])
async def test_a_saved_image_reads_back_with_its_content_type(
    storage: MediaStorage, image_format: str
) -> None:
    name = await storage.save(image(image_format, b"content of the image"))

    assert STORED_NAME.fullmatch(name)
    assert name.endswith(image(image_format).extension)
    stored = await storage.read(name)
    assert stored is not None
    assert await stored.content() == b"content of the image"
    assert stored.content_type == f"image/{image_format}"


async def test_each_image_gets_a_new_random_name(storage: MediaStorage) -> None:
    names = {await storage.save(image()) for _ in range(20)}

    assert len(names) == 20


async def test_a_deleted_image_is_gone_and_deleting_again_is_fine(storage: MediaStorage) -> None:
    name = await storage.save(image())
    kept = await storage.save(image(content=b"kept"))

    await storage.delete(name)
    await storage.delete(name)

    assert await storage.read(name) is None
    kept_media = await storage.read(kept)
    assert kept_media is not None
    assert await kept_media.content() == b"kept"


async def test_an_unknown_name_reads_as_none(storage: MediaStorage) -> None:
    assert await storage.read("AAAAAAAAAAAAAAAAAAAAAA.png") is None
    await storage.delete("AAAAAAAAAAAAAAAAAAAAAA.png")


async def test_files_are_written_whole_readable_by_all_in_a_new_directory(
    media_dir: Path,
) -> None:
    storage = LocalMediaStorage(media_dir / "nested")

    name = await storage.save(image(content=b"x" * 100_000))

    path = media_dir / "nested" / name
    assert [file.name for file in path.parent.iterdir()] == [name]  # no temporary file left
    assert path.read_bytes() == b"x" * 100_000
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


ESCAPES = [
    "../AAAAAAAAAAAAAAAAAAAAAA.png",  # the sentinel's own name, one level up
    "..%2fAAAAAAAAAAAAAAAAAAAAAA.png",
    "..\\AAAAAAAAAAAAAAAAAAAAAA.png",
    "/AAAAAAAAAAAAAAAAAAAAAA.png",
    "AAAAAAAAAAAAAAAAAAAAAA.png\x00.png",
    "AAAAAAAAAAAAAAAAAAAAAA.png\n",
    "notes.txt",
    "AAAAAAAAAAAAAAAAAAAAAA.txt",
    "AAAAAAAAAAAAAAAAAAAAAA.PNG",
    "AAAAAAAAAAAAAAAAAAAAA.png",  # 21 characters
    ".",
    "..",
    "",
]


@pytest.fixture
def sentinels(tmp_path: Path, media_dir: Path) -> dict[Path, bytes]:
    """Files that no name may reach: one beside the media directory, named like an upload,
    and one inside it that the storage did not write."""
    media_dir.mkdir()
    files = {
        tmp_path / "AAAAAAAAAAAAAAAAAAAAAA.png": b"sentinel outside the media directory",
        media_dir / "notes.txt": b"not an upload",
    }
    for path, content in files.items():
        path.write_bytes(content)
    return files


def contents(paths: dict[Path, bytes]) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in paths}


@pytest.mark.parametrize("name", ESCAPES)
async def test_a_name_it_never_gave_out_touches_nothing(
    media_dir: Path, sentinels: dict[Path, bytes], name: str
) -> None:
    storage = LocalMediaStorage(media_dir)

    for attempt in (name, *map(str, sentinels)):  # and the sentinels' absolute paths
        assert await storage.read(attempt) is None
        await storage.delete(attempt)

    assert contents(sentinels) == sentinels


# --- The fake processor unit tests use ---


async def test_the_fake_processor_takes_only_its_marked_bytes() -> None:
    fake = FakeImageProcessor()

    processed = await fake.process(b"IMG:a picture")

    assert (processed.content, processed.format, processed.width) == (b"IMG:a picture", "png", 1)
    with pytest.raises(InvalidImage):
        await fake.process(samples.png_bytes())


@pytest.mark.parametrize("name", ESCAPES)
async def test_a_name_it_never_gave_out_reaches_no_object(
    s3_endpoint: str, bucket: str, name: str
) -> None:
    raw = S3Store(bucket, endpoint=s3_endpoint, region="us-east-1", client_options=PLAIN_HTTP)
    sentinels = {"notes.txt": b"not an upload", "AAAAAAAAAAAAAAAAAAAAAA.png": b"a key not given"}
    for key, content in sentinels.items():
        await obstore.put_async(raw, key, content)
    storage = S3MediaStorage(bucket, endpoint=s3_endpoint, region="us-east-1")

    assert await storage.read(name) is None
    await storage.delete(name)

    for key, content in sentinels.items():
        assert bytes(await (await obstore.get_async(raw, key)).bytes_async()) == content


@pytest.mark.parametrize("operation", ["save", "read", "delete"])
async def test_an_unreachable_store_is_a_dependency_outage(operation: str) -> None:
    storage = S3MediaStorage("chirp-media", endpoint=f"http://{HOST}:{free_port()}", region="x")
    calls = {
        "save": lambda: storage.save(image()),
        "read": lambda: storage.read("AAAAAAAAAAAAAAAAAAAAAA.png"),
        "delete": lambda: storage.delete("AAAAAAAAAAAAAAAAAAAAAA.png"),
    }

    with pytest.raises(DependencyUnavailable) as raised:
        await calls[operation]()

    assert raised.value.dependency == "media store"
