from __future__ import annotations

import asyncio
import io
import logging
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PIL import Image, ImageCms, ImageFile, ImageOps

from adapters.image_headers import (
    MAX_ANIMATION_PIXELS,
    MAX_FRAMES,
    check_declared_size,
    check_side,
    gif_layout,
    is_lossless_webp,
)
from application.ports.image_processor import ImageProcessor, ProcessedImage
from domain.errors import InvalidImage

logger = logging.getLogger("chirp.images")

# Pillow's name for each accepted format -> ours. An MPO is a JPEG that carries extra
# images (phones write them); only its first image is kept.
_FORMATS = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
# The only decoders Image.open may try: BMP, TIFF, SVG, ... are never even attempted.
_OPENERS = ("JPEG", "PNG", "GIF", "WEBP")

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
    check_declared_size(data)
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
        check_side(*image.size)
        icc = image.info.get("icc_profile")
        lossless = image_format == "webp" and is_lossless_webp(data)
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
            transparent=image_format == "gif" and gif_layout(data).transparent,
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
        check_side(width, height)
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
