from __future__ import annotations

import asyncio
import io
import logging
import os
import struct
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
# Every frame of an animation is held decoded while it is re-encoded: this bounds that
# memory (about 128 MiB as RGBA), e.g. 100 frames of 579x579 or 2 frames of 4096x4096.
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


@dataclass(frozen=True, slots=True)
class _Frame:
    image: Image.Image
    duration: int  # milliseconds


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
        loop = image.info.get("loop")
        default_image = bool(image.info.get("default_image"))
        frames = _decode_frames(image, icc)
        return _encode_animation(
            image_format, frames, loop=loop, default_image=default_image, lossless=lossless
        )


def _decode_frames(image: ImageFile.ImageFile, icc: bytes | None) -> list[_Frame]:
    n_frames = int(getattr(image, "n_frames", 1))
    width, height = image.size
    if n_frames > MAX_FRAMES or n_frames * width * height > MAX_ANIMATION_PIXELS:
        raise InvalidImage
    frames = []
    for index in range(n_frames):
        image.seek(index)
        _check_side(*image.size)
        image.load()
        duration = int(image.info.get("duration", 0))
        frames.append(_Frame(_clean(image.copy(), icc), duration))
    return frames


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
    frames: list[_Frame],
    *,
    loop: int | None,
    default_image: bool,
    lossless: bool,
) -> ProcessedImage:
    first, *rest = (frame.image for frame in frames)
    options: dict[str, Any] = {
        "save_all": True,
        "append_images": rest,
        "duration": [frame.duration for frame in frames],
    }
    if loop is not None:  # absent from a GIF that plays once
        options["loop"] = loop
    if image_format == "gif":
        # Pillow hands out every frame fully drawn, so the original disposal methods no
        # longer apply. Opaque frames: each drawn over the last (Pillow writes what changed).
        # With transparency, a pixel may turn transparent: clear between frames instead.
        transparent = any(frame.image.has_transparency_data for frame in frames)
        options["disposal"] = 2 if transparent else 1
    elif image_format == "png":
        options.update(default_image=default_image, compress_level=PNG_COMPRESS_LEVEL)
    else:
        first = _webp_mode(first)
        options["append_images"] = [_webp_mode(frame) for frame in rest]
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
# which Pillow then enlarges (and allocates) while seeking. JPEG and PNG sizes are read
# here too, so that no bomb ever reaches Pillow's DecompressionBombWarning (a process-wide
# warning that we would otherwise have to silence globally). Pillow's reading of the size
# stays the one that counts: ``_reencode`` checks it again.


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


def _check_gif_frames(data: bytes) -> None:
    """Walks a GIF's blocks as Pillow does: every frame inside the size limit, few enough."""
    if len(data) < 13:
        return  # Pillow refuses it
    _check_side(*struct.unpack("<HH", data[6:10]))
    position = 13 + _colour_table_size(data[10])
    frames = 0
    while position < len(data):
        tag = data[position]
        position += 1
        if tag == 0x3B:  # trailer
            return
        if tag == 0x21:  # extension: a label, then data sub-blocks
            position = _skip_sub_blocks(data, position + 1)
        elif tag == 0x2C:  # image descriptor: left, top, width, height, flags
            if position + 9 > len(data):
                return
            left, top, width, height = struct.unpack("<4H", data[position : position + 8])
            if left + width > MAX_IMAGE_SIDE or top + height > MAX_IMAGE_SIDE:
                raise InvalidImage
            frames += 1
            if frames > MAX_FRAMES:
                raise InvalidImage
            # local colour table, LZW minimum code size, then the image's sub-blocks
            position += 9 + _colour_table_size(data[position + 8]) + 1
            position = _skip_sub_blocks(data, position)
        # any other byte: skipped, as Pillow does


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
