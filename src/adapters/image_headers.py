"""Image sizes read from the file's headers, before Pillow sees the bytes.

Pillow's own size check comes too late for two formats: its WebP decoder allocates the
canvas when the file is opened, and a GIF frame may reach beyond the declared canvas,
which Pillow then enlarges (and allocates, and decodes every later frame at) while
seeking: the GIF walk below grows the canvas as Pillow will and adds up the pixels it
would decode. JPEG and PNG sizes are read here too, so that no bomb ever reaches Pillow's
DecompressionBombWarning (a process-wide warning that we would otherwise have to silence
globally). Pillow's reading of the size stays the one that counts: the processor checks
it again.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from PIL import JpegImagePlugin

from application.ports.image_processor import MAX_IMAGE_SIDE
from domain.errors import InvalidImage

MAX_FRAMES = 100
# The pixels decoded across an animation's frames, each frame counted at the size of the
# canvas it is drawn on (which a GIF frame reaching beyond the declared screen enlarges):
# e.g. 100 frames of 579x579 or 2 frames of 4096x4096. This bounds the decoding work and the
# memory of the encoders that keep every frame (Pillow's GIF writer as palette images, about
# 32 MiB; its APNG writer in the frames' own mode, up to 128 MiB as RGBA).
MAX_ANIMATION_PIXELS = 32 * 1024 * 1024


def check_side(width: int, height: int) -> None:
    if not (0 < width <= MAX_IMAGE_SIDE and 0 < height <= MAX_IMAGE_SIDE):
        raise InvalidImage


def check_declared_size(data: bytes) -> None:
    if data.startswith(b"\xff\xd8"):
        _check_jpeg_frames(data)
    elif data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        check_side(*struct.unpack(">II", data[16:24]))
    elif data.startswith((b"GIF87a", b"GIF89a")):
        check_gif_frames(data)
    elif data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        check_side(*_webp_canvas(data))


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
class GifLayout:
    frames: int
    # Pixels Pillow decodes in all: each frame at the size of the canvas it is drawn on.
    pixels: int
    # Whether a frame declares a transparent colour (a Graphic Control Extension's flag):
    # only then can Pillow hand out a frame with transparency.
    transparent: bool


def gif_layout(data: bytes) -> GifLayout:
    """Walks a GIF's blocks as Pillow does, growing the canvas as Pillow does when a frame
    reaches beyond it. Refuses a frame beyond the size limit or one frame too many."""
    frames = pixels = 0
    transparent = False
    if len(data) < 13:
        return GifLayout(frames, pixels, transparent)  # Pillow refuses it
    width, height = struct.unpack("<HH", data[6:10])
    check_side(width, height)
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
    return GifLayout(frames, pixels, transparent)


def check_gif_frames(data: bytes) -> None:
    """Every frame inside the size limit, few enough, and not too many pixels in all."""
    if gif_layout(data).pixels > MAX_ANIMATION_PIXELS:
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


def is_lossless_webp(data: bytes) -> bool:
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
