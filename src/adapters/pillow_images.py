from __future__ import annotations

import asyncio
import io
import logging
import os
import struct
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageCms, ImageFile, ImageOps, JpegImagePlugin

from application.ports.image_processor import MAX_IMAGE_SIDE, ImageProcessor, ProcessedImage
from domain.errors import InvalidImage

logger = logging.getLogger("chirp.images")

# Pillow's name for each accepted format -> ours. An MPO is a JPEG that carries extra
# images (phones write them); only its first image is kept.
_FORMATS = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
# The only decoders Image.open may try: BMP, TIFF, SVG, ... are never even attempted.
_OPENERS = ("JPEG", "PNG", "GIF", "WEBP")

MAX_FRAMES = 100
# The pixels decoded across an animation's frames, each frame counted at the size of the
# canvas it is drawn on (which a GIF frame reaching beyond the declared screen enlarges):
# e.g. 100 frames of 579x579 or 2 frames of 4096x4096. This bounds the decoding work and the
# memory of the encoders that keep every frame (Pillow's GIF writer as palette images, about
# 32 MiB; its APNG writer in the frames' own mode, up to 128 MiB as RGBA).
MAX_ANIMATION_PIXELS = 32 * 1024 * 1024
JPEG_QUALITY = 85
WEBP_QUALITY = 85
# Speed over size: re-encoding a 4096x4096 PNG takes ~2 s at zlib level 3 (~4 s at the
# default 6, for ~20% smaller files); lossless WebP ~3 s at method 0, effort 50 (~10 s at
# Pillow's defaults, for files up to several times smaller on flat, synthetic images).
PNG_COMPRESS_LEVEL = 3
WEBP_LOSSLESS_OPTIONS: dict[str, Any] = {"lossless": True, "method": 0, "quality": 50}


class PillowImageProcessor(ImageProcessor):
    """Decodes uploads with Pillow and re-encodes them with no metadata, off the event loop.

    The pool has one thread per core (Pillow releases the GIL while it decodes and encodes),
    which also bounds the memory that concurrent uploads can take.

    What comes out: the same format; the pixels only. EXIF (GPS, camera, ...), XMP, IPTC,
    comments, text chunks and ICC profiles are all dropped. An ICC profile is first applied
    (the pixels are converted to sRGB) so that colours stay right without it; the EXIF
    orientation is applied so that photos stay upright. Animations keep their frames,
    durations and loop count; appended data (polyglots) is gone.
    """

    def __init__(self, threads: int | None = None) -> None:
        self._pool = ThreadPoolExecutor(
            max_workers=threads or os.cpu_count() or 1, thread_name_prefix="pillow"
        )

    async def process(self, data: bytes) -> ProcessedImage:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, process_image, data)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def process_image(data: bytes) -> ProcessedImage:
    """The synchronous work behind ``PillowImageProcessor.process``."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # A global switch some library may have flipped: truncated files would pass.
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False")
    _check_declared_size(data)
    try:
        return _reencode(data)
    except InvalidImage:
        raise
    except Exception as error:
        # Whatever Pillow raises on these bytes (OSError, SyntaxError, ValueError,
        # DecompressionBombError, struct.error, ...), they are not an image we take.
        logger.debug("refused an image: %r", error)
        raise InvalidImage from error


def _reencode(data: bytes) -> ProcessedImage:
    with Image.open(io.BytesIO(data), formats=_OPENERS) as image:
        image_format = _FORMATS.get(image.format or "")
        if image_format is None:
            raise InvalidImage
        # Image.open has read the header only: nothing is decoded yet.
        _check_side(*image.size)
        icc = image.info.get("icc_profile")
        lossless = image_format == "webp" and _is_lossless_webp(data)
        if image_format == "jpeg" or not getattr(image, "is_animated", False):
            image.load()
            still = _clean(_upright(image), icc)
            return _encode_still(image_format, still, lossless=lossless)
        n_frames = int(getattr(image, "n_frames", 1))
        width, height = image.size
        if n_frames > MAX_FRAMES or n_frames * width * height > MAX_ANIMATION_PIXELS:
            raise InvalidImage  # too much even at the declared size (frames may be larger)
        durations: list[int] = []
        frames = _decoded_frames(image, n_frames, icc, durations)
        return _encode_animation(
            image_format,
            next(frames),
            frames,
            n_frames - 1,
            durations=durations,
            loop=image.info.get("loop"),
            default_image=bool(image.info.get("default_image")),
            transparent=image_format == "gif" and _gif_layout(data).transparent,
            lossless=lossless,
        )


def _decoded_frames(
    image: ImageFile.ImageFile, n_frames: int, icc: bytes | None, durations: list[int]
) -> Iterator[Image.Image]:
    """Each frame in turn, fully drawn, cleaned; its duration appended to ``durations``.

    Pillow draws a frame on a canvas that it enlarges (a GIF frame may reach beyond the
    screen the file declares): every frame is counted at that size, after seeking to it and
    before decoding it, so the pixels decoded in all stay within ``MAX_ANIMATION_PIXELS``.
    """
    decoded = 0
    for index in range(n_frames):
        image.seek(index)
        width, height = image.size
        _check_side(width, height)
        decoded += width * height
        if decoded > MAX_ANIMATION_PIXELS:
            raise InvalidImage
        image.load()
        durations.append(int(image.info.get("duration", 0)))
        yield _clean(image.copy(), icc)


class _FrameSequence(Image.Image):
    """A multi-frame image whose frames come from ``frames`` as an encoder seeks to them,
    forward only: Pillow's GIF and WebP writers take an appended image's frames one at a
    time, so only the frame being encoded is held decoded, never all of them."""

    def __init__(self, frames: Iterator[Image.Image], n_frames: int) -> None:
        super().__init__()
        self.n_frames = n_frames
        self.is_animated = n_frames > 1
        self._frames = frames
        self._index = -1
        self.seek(0)

    def seek(self, frame: int) -> None:
        if frame == self._index:
            return
        if frame != self._index + 1 or frame >= self.n_frames:
            raise EOFError(f"frame {frame} cannot follow frame {self._index}")
        image = next(self._frames)
        self.im = image.im
        self._mode = image.mode
        self._size = image.size
        self.palette = image.palette
        self.info = image.info
        self._index = frame

    def tell(self) -> int:
        return self._index


def _upright(image: Image.Image) -> Image.Image:
    """A copy turned as its EXIF orientation says, since the EXIF itself will be dropped."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        # An EXIF block too broken to read: the pixels are still fine as they are.
        return image.copy()


def _clean(image: Image.Image, icc: bytes | None) -> Image.Image:
    """``image`` (a copy, detached from the file) in sRGB, its ``info`` emptied of metadata."""
    clean = _to_srgb(image, icc) if icc else image
    # Encoders copy EXIF, XMP, comments, ICC, ... from ``info``: keep only what the pixels
    # need (the transparent colour of a palette or of a PNG).
    transparency = clean.info.get("transparency")
    clean.info = {} if transparency is None else {"transparency": transparency}
    return clean


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    """``image``'s pixels converted from its ICC profile to sRGB (unchanged if it cannot)."""
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        space = profile.profile.xcolor_space.strip()
        if space == "RGB" and image.mode in ("RGB", "RGBA"):
            output_mode = image.mode
        elif space == "CMYK" and image.mode == "CMYK":
            output_mode = "RGB"
        else:
            return image
        converted = ImageCms.profileToProfile(
            image, profile, ImageCms.createProfile("sRGB"), outputMode=output_mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    return image if converted is None else converted


def _encode_still(image_format: str, image: Image.Image, *, lossless: bool) -> ProcessedImage:
    output = io.BytesIO()
    if image_format == "jpeg":
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")
        image.save(output, "JPEG", quality=JPEG_QUALITY)
    elif image_format == "png":
        image.save(output, "PNG", optimize=False, compress_level=PNG_COMPRESS_LEVEL)
    elif image_format == "gif":
        image.save(output, "GIF")
    else:
        image = _webp_mode(image)
        image.save(output, "WEBP", **_webp_options(lossless))
    return ProcessedImage(output.getvalue(), image_format, image.width, image.height)


def _encode_animation(
    image_format: str,
    first: Image.Image,
    rest: Iterator[Image.Image],
    n_rest: int,
    *,
    durations: list[int],
    loop: int | None,
    default_image: bool,
    transparent: bool,
    lossless: bool,
) -> ProcessedImage:
    # ``durations`` grows as frames are decoded; the writers read a frame's duration after
    # they have taken the frame.
    options: dict[str, Any] = {"save_all": True, "duration": durations}
    if loop is not None:  # absent from a GIF that plays once
        options["loop"] = loop
    if image_format == "gif":
        # Pillow hands out every frame fully drawn, so the original disposal methods no
        # longer apply. Opaque frames: each drawn over the last (Pillow writes what changed).
        # With transparency, a pixel may turn transparent: clear between frames instead.
        options["disposal"] = 2 if transparent else 1
        options["append_images"] = [_FrameSequence(rest, n_rest)]
    elif image_format == "png":
        # Pillow's APNG writer reads the frames twice and keeps them all: a list costs no more.
        options.update(default_image=default_image, compress_level=PNG_COMPRESS_LEVEL)
        options["append_images"] = list(rest)
    else:
        first = _webp_mode(first)
        webp_frames = (_webp_mode(frame) for frame in rest)
        options["append_images"] = [_FrameSequence(webp_frames, n_rest)]
        options.update(_webp_options(lossless))
    output = io.BytesIO()
    first.save(output, image_format.upper(), **options)
    return ProcessedImage(output.getvalue(), image_format, first.width, first.height)


def _webp_options(lossless: bool) -> dict[str, Any]:
    return WEBP_LOSSLESS_OPTIONS if lossless else {"quality": WEBP_QUALITY}


def _webp_mode(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "RGBA"):
        return image
    return image.convert("RGBA" if image.has_transparency_data else "RGB")


def _check_side(width: int, height: int) -> None:
    if not (0 < width <= MAX_IMAGE_SIDE and 0 < height <= MAX_IMAGE_SIDE):
        raise InvalidImage


# --- Headers read before Pillow sees the bytes ---
# Pillow's own size check comes too late for two formats: its WebP decoder allocates the
# canvas when the file is opened, and a GIF frame may reach beyond the declared canvas,
# which Pillow then enlarges (and allocates, and decodes every later frame at) while
# seeking: the GIF walk below grows the canvas as Pillow will and adds up the pixels it
# would decode. JPEG and PNG sizes are read here too, so that no bomb ever reaches Pillow's
# DecompressionBombWarning (a process-wide warning that we would otherwise have to silence
# globally). Pillow's reading of the size stays the one that counts: ``_reencode`` checks
# it again.


def _check_declared_size(data: bytes) -> None:
    if data.startswith(b"\xff\xd8"):
        _check_jpeg_frames(data)
    elif data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        _check_side(*struct.unpack(">II", data[16:24]))
    elif data.startswith((b"GIF87a", b"GIF89a")):
        _check_gif_frames(data)
    elif data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        _check_side(*_webp_canvas(data))


# Start-of-frame markers (SOF0-SOF15 but DHT, JPG and DAC), which give the image's size.
_JPEG_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Pillow's table of the markers it knows, and of those that have no length (RSTn, SOI, ...).
_JPEG_MARKERS = frozenset(code & 0xFF for code in JpegImagePlugin.MARKER)
_JPEG_BARE_MARKERS = frozenset(
    code & 0xFF for code, (_, _, handler) in JpegImagePlugin.MARKER.items() if handler is None
)


def _check_jpeg_frames(data: bytes) -> None:
    """Walks a JPEG's segments up to the image data as Pillow does, checking the size in
    every start-of-frame segment (Pillow keeps the last one)."""
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:  # junk between segments: skipped
            position += 1
            continue
        marker = data[position + 1]
        if marker == 0xDA:  # start of scan: the pixels follow
            return
        if marker == 0xFF:  # fill byte
            position += 1
        elif marker == 0x00 or marker in _JPEG_BARE_MARKERS:
            position += 2
        elif marker not in _JPEG_MARKERS:
            return  # Pillow refuses it
        else:
            if marker in _JPEG_FRAME_MARKERS and position + 9 <= len(data):
                height, width = struct.unpack(">HH", data[position + 5 : position + 9])
                if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE:
                    raise InvalidImage
            (length,) = struct.unpack(">H", data[position + 2 : position + 4])
            position += 2 + length


def _webp_canvas(data: bytes) -> tuple[int, int]:
    """The canvas size a WebP declares (as Pillow reads it); (0, 0) when it is unreadable."""
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a" and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8X" and len(data) >= 30:
        return (
            int.from_bytes(data[24:27], "little") + 1,
            int.from_bytes(data[27:30], "little") + 1,
        )
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return 0, 0


@dataclass(frozen=True, slots=True)
class _GifLayout:
    frames: int
    # Pixels Pillow decodes in all: each frame at the size of the canvas it is drawn on.
    pixels: int
    # Whether a frame declares a transparent colour (a Graphic Control Extension's flag):
    # only then can Pillow hand out a frame with transparency.
    transparent: bool


def _gif_layout(data: bytes) -> _GifLayout:
    """Walks a GIF's blocks as Pillow does, growing the canvas as Pillow does when a frame
    reaches beyond it. Refuses a frame beyond the size limit or one frame too many."""
    frames = pixels = 0
    transparent = False
    if len(data) < 13:
        return _GifLayout(frames, pixels, transparent)  # Pillow refuses it
    width, height = struct.unpack("<HH", data[6:10])
    _check_side(width, height)
    position = 13 + _colour_table_size(data[10])
    while position < len(data):
        tag = data[position]
        position += 1
        if tag == 0x3B:  # trailer
            break
        if tag == 0x21:  # extension: a label, then data sub-blocks
            if position + 2 < len(data) and data[position] == 0xF9 and data[position + 1]:
                transparent = transparent or bool(data[position + 2] & 1)
            position = _skip_sub_blocks(data, position + 1)
        elif tag == 0x2C:  # image descriptor: left, top, width, height, flags
            if position + 9 > len(data):
                break
            left, top, frame_width, frame_height = struct.unpack(
                "<4H", data[position : position + 8]
            )
            if left + frame_width > MAX_IMAGE_SIDE or top + frame_height > MAX_IMAGE_SIDE:
                raise InvalidImage
            frames += 1
            if frames > MAX_FRAMES:
                raise InvalidImage
            width, height = max(width, left + frame_width), max(height, top + frame_height)
            pixels += width * height
            # local colour table, LZW minimum code size, then the image's sub-blocks
            position += 9 + _colour_table_size(data[position + 8]) + 1
            position = _skip_sub_blocks(data, position)
        # any other byte: skipped, as Pillow does
    return _GifLayout(frames, pixels, transparent)


def _check_gif_frames(data: bytes) -> None:
    """Every frame inside the size limit, few enough, and not too many pixels in all."""
    if _gif_layout(data).pixels > MAX_ANIMATION_PIXELS:
        raise InvalidImage


def _colour_table_size(flags: int) -> int:
    return 3 << ((flags & 7) + 1) if flags & 0x80 else 0


def _skip_sub_blocks(data: bytes, position: int) -> int:
    while position < len(data):
        size = data[position]
        position += 1 + size
        if size == 0:
            break
    return position


def _is_lossless_webp(data: bytes) -> bool:
    """Whether a WebP's (first) image is lossless (VP8L) rather than lossy (VP8)."""
    if not (data.startswith(b"RIFF") and data[8:12] == b"WEBP"):
        return False
    position = 12
    while position + 8 <= len(data):
        chunk = data[position : position + 4]
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        if chunk == b"VP8L":
            return True
        if chunk == b"VP8 ":
            return False
        if chunk == b"ANMF":  # an animation frame: 16 bytes of header, then its chunks
            position += 8 + 16
        else:
            position += 8 + size + (size & 1)
    return False
