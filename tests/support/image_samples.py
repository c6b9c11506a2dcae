"""Sample upload files, built in memory (with Pillow where it can write them), for tests.

Valid images: ``png_bytes``, ``jpeg_bytes``, ``gif_bytes``, ``webp_bytes``,
``animated_gif_bytes``, ``animated_webp_bytes``, ``animated_png_bytes``, ``mpo_bytes``.
Valid images that carry metadata to strip: ``jpeg_with_exif_bytes`` (camera, GPS, orientation,
comment, XMP), ``png_with_metadata_bytes``, ``webp_with_metadata_bytes``,
``gif_with_comment_bytes``, ``jpeg_with_icc_bytes``.
Files that must be refused: ``svg_bytes``, ``html_bytes``, ``bmp_bytes``, ``tiff_bytes``,
``truncated_jpeg_bytes``, ``truncated_png_bytes``, ``huge_png_header_bytes``,
``huge_jpeg_header_bytes``, ``gif_frame_beyond_canvas_bytes``, ``gif_canvas_bomb_bytes``,
``gif_with_many_frames_bytes``,
``webp_huge_canvas_bytes``, ``random_bytes``, ``png_bomb_bytes`` (a whole 20000x20000 PNG),
``png_text_bomb_bytes``, ``gif_header_script_bytes``, ``gif_javascript_polyglot_bytes``,
``png_signature_html_bytes``, ``jpeg_signature_html_bytes``, ``png_cut_after_header_bytes``,
``jpeg_cut_before_scan_bytes``. ``handmade_gif_bytes`` writes other odd GIFs.
Polyglots (a valid image that is also something else; accepted, but the payload must go):
``gif_html_polyglot_bytes``, ``png_script_polyglot_bytes``, ``jpeg_zip_polyglot_bytes``,
``png_zip_polyglot_bytes``, ``png_html_polyglot_bytes``, all carrying ``POLYGLOT_MARKER``.
Every function is deterministic and takes a few milliseconds (the two bombs: ~0.2 s each).
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from typing import Any

from PIL import ExifTags, Image, ImageDraw, PngImagePlugin

# In every polyglot's payload; a cleaned image must not contain it.
POLYGLOT_MARKER = b"<script>alert(document.cookie)</script>"
# Text that the metadata of the *_with_*_bytes samples carry; a cleaned image must not.
METADATA_MARKERS = (
    b"ChirpTestCamera",
    b"Secret comment",
    b"Secret XMP",
    b"Secret text chunk",
)
CAMERA_MAKE = "ChirpTestCamera"
# Where ``jpeg_with_exif_bytes`` says the photo was taken (the Eiffel Tower).
GPS_LATITUDE = (48.0, 51.0, 29.6)
GPS_LONGITUDE = (2.0, 17.0, 40.2)
RED = (255, 0, 0)
GREEN = (0, 255, 0)
BLUE = (0, 0, 255)


def _encode(image: Image.Image, image_format: str, **options: Any) -> bytes:
    output = io.BytesIO()
    image.save(output, image_format, **options)
    return output.getvalue()


def _pattern(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """A few flat colours (left half red, right half blue, a green square in the middle)."""
    image = Image.new("RGB", (width, height), RED)
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 2, 0, width, height), fill=BLUE)
    draw.rectangle((width // 3, height // 3, 2 * width // 3, 2 * height // 3), fill=GREEN)
    return image if mode == "RGB" else image.convert(mode)


# --- Valid images ---


def png_bytes(width: int = 64, height: int = 48, mode: str = "RGB") -> bytes:
    """A valid PNG of the red/blue/green pattern (``mode``: RGB, RGBA, L, P, ...)."""
    return _encode(_pattern(width, height, mode), "PNG")


def jpeg_bytes(width: int = 64, height: int = 48, mode: str = "RGB") -> bytes:
    """A valid JPEG of the red/blue/green pattern (``mode``: RGB, L or CMYK)."""
    return _encode(_pattern(width, height, mode), "JPEG", quality=90)


def gif_bytes(width: int = 64, height: int = 48) -> bytes:
    """A valid single-frame GIF of the red/blue/green pattern."""
    return _encode(_pattern(width, height, "P"), "GIF")


def webp_bytes(width: int = 64, height: int = 48, *, lossless: bool = False) -> bytes:
    """A valid single-frame WebP (lossy, or lossless) of the red/blue/green pattern."""
    return _encode(_pattern(width, height), "WEBP", lossless=lossless, quality=90)


def animation_frames(frames: int = 3, width: int = 32, height: int = 24) -> list[Image.Image]:
    """RGBA frames, each different: a green square moving right over a red background."""
    images = []
    for index in range(frames):
        image = Image.new("RGBA", (width, height), (*RED, 255))
        left = index * (width // max(frames, 1))
        ImageDraw.Draw(image).rectangle((left, 0, left + 3, height), fill=(*GREEN, 255))
        images.append(image)
    return images


def transparent_animation_frames(
    frames: int = 3, width: int = 32, height: int = 24
) -> list[Image.Image]:
    """RGBA frames, each different: an opaque red square moving over a transparent background
    (so pixels turn from opaque back to transparent from one frame to the next)."""
    images = []
    for index in range(frames):
        image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        left = index * (width // max(frames, 1))
        ImageDraw.Draw(image).rectangle((left, 0, left + 3, height), fill=(*RED, 255))
        images.append(image)
    return images


def animated_gif_bytes(
    frames: int = 3,
    width: int = 32,
    height: int = 24,
    *,
    duration: int = 80,
    loop: int | None = 0,
    transparent: bool = False,
) -> bytes:
    """A valid animated GIF: ``frames`` different frames of ``duration`` ms each.

    ``loop=0`` repeats forever, ``None`` plays once; ``transparent`` moves an opaque square
    over a transparent background instead of a square over an opaque one.
    """
    make = transparent_animation_frames if transparent else animation_frames
    images = [
        image.convert("P") if not transparent else image for image in make(frames, width, height)
    ]
    options: dict[str, Any] = {"save_all": True, "append_images": images[1:], "duration": duration}
    if loop is not None:
        options["loop"] = loop
    if transparent:
        options["disposal"] = 2
    return _encode(images[0], "GIF", **options)


def animated_webp_bytes(
    frames: int = 3, width: int = 32, height: int = 24, *, duration: int = 80
) -> bytes:
    """A valid animated, lossless WebP: ``frames`` different frames of ``duration`` ms each."""
    images = animation_frames(frames, width, height)
    return _encode(
        images[0],
        "WEBP",
        save_all=True,
        append_images=images[1:],
        duration=duration,
        loop=0,
        lossless=True,
    )


def animated_png_bytes(
    frames: int = 3, width: int = 32, height: int = 24, *, duration: int = 80
) -> bytes:
    """A valid animated PNG (APNG): ``frames`` different frames of ``duration`` ms each."""
    images = animation_frames(frames, width, height)
    return _encode(
        images[0], "PNG", save_all=True, append_images=images[1:], duration=duration, loop=0
    )


def mpo_bytes(width: int = 32, height: int = 24) -> bytes:
    """A valid MPO: a JPEG followed by a second JPEG, as some cameras and phones write (a
    3D pair, or a photo and a depth map). It is a JPEG as far as a browser is concerned."""
    first = _pattern(width, height)
    second = Image.new("RGB", (width, height), GREEN)
    return _encode(first, "MPO", save_all=True, append_images=[second], quality=90)


# --- Valid images carrying metadata ---


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    """EXIF naming a camera (``CAMERA_MAKE``) and a place (``GPS_LATITUDE``/``LONGITUDE``)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA_MAKE
    exif[ExifTags.Base.Model] = "Model 7"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = GPS_LONGITUDE
    return exif


def _xmp() -> bytes:
    return (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="">Secret XMP</rdf:Description></rdf:RDF></x:xmpmeta>'
    )


def jpeg_with_exif_bytes(width: int = 40, height: int = 20, *, orientation: int = 1) -> bytes:
    """A JPEG whose EXIF names a camera, GPS coordinates and ``orientation``; it also has a
    comment and an XMP packet. Stored pixels: left half red, right half blue.

    With ``orientation=6`` a viewer turns it 90° clockwise: it is then ``height`` wide and
    ``width`` tall, red on top and blue below.
    """
    image = Image.new("RGB", (width, height), RED)
    ImageDraw.Draw(image).rectangle((width // 2, 0, width, height), fill=BLUE)
    return _encode(
        image,
        "JPEG",
        quality=95,
        exif=exif_with_gps(orientation),
        comment=b"Secret comment",
        xmp=_xmp(),
    )


def png_with_metadata_bytes() -> bytes:
    """A PNG with text chunks (tEXt, zTXt, iTXt), an eXIf chunk with GPS and an XMP packet."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Secret text chunk")
    info.add_text("Software", "Secret text chunk", zip=True)
    info.add_itxt("Description", "Secret text chunk", lang="en")
    info.add_itxt("XML:com.adobe.xmp", _xmp().decode())
    return _encode(_pattern(32, 24), "PNG", pnginfo=info, exif=exif_with_gps())


def webp_with_metadata_bytes() -> bytes:
    """A lossy WebP with an EXIF chunk (camera and GPS) and an XMP chunk."""
    return _encode(_pattern(32, 24), "WEBP", exif=exif_with_gps(), xmp=_xmp(), quality=90)


def gif_with_comment_bytes() -> bytes:
    """A single-frame GIF with a comment extension."""
    return _encode(_pattern(32, 24, "P"), "GIF", comment=b"Secret comment")


def swapped_primaries_icc() -> bytes:
    """An ICC v2 RGB display profile whose red and green primaries are swapped (linear).

    Pixels stored as pure red in an image with this profile *look* green: a processor that
    honours the profile before dropping it turns them green.
    """
    d50 = (0.9642, 1.0, 0.8249)
    srgb_red, srgb_green, srgb_blue = (
        (0.4361, 0.2225, 0.0139),
        (0.3851, 0.7169, 0.0971),
        (0.1431, 0.0606, 0.7141),
    )

    def xyz(values: tuple[float, float, float]) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(struct.pack(">i", round(v * 65536)) for v in values)

    linear = b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0100) + b"\0\0"
    description = b"desc\0\0\0\0" + struct.pack(">I", 5) + b"swap\0" + b"\0" * 79
    tags = [
        (b"desc", description),
        (b"wtpt", xyz(d50)),
        (b"rXYZ", xyz(srgb_green)),
        (b"gXYZ", xyz(srgb_red)),
        (b"bXYZ", xyz(srgb_blue)),
        (b"rTRC", linear),
        (b"gTRC", linear),
        (b"bTRC", linear),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        padded = data + b"\0" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(padded))
        body += padded
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"\0\0\0\0"
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)
        + b"".join(struct.pack(">i", round(v * 65536)) for v in d50)
        + b"\0" * 48
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def jpeg_with_icc_bytes(width: int = 16, height: int = 16) -> bytes:
    """A JPEG of stored pure red carrying ``swapped_primaries_icc`` (so it looks green)."""
    return _encode(
        Image.new("RGB", (width, height), RED),
        "JPEG",
        quality=95,
        icc_profile=swapped_primaries_icc(),
    )


# --- Files that are not an accepted image ---


def svg_bytes(*, script: bool = True) -> bytes:
    """An SVG image (with a script, unless ``script=False``): XML, not an accepted format."""
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b'<rect width="10" height="10" fill="red"/>'
        + (POLYGLOT_MARKER if script else b"")
        + b"</svg>"
    )


def html_bytes() -> bytes:
    """An HTML page with a script, as a client might upload it under the name ``photo.png``."""
    return b"<!DOCTYPE html><html><body>" + POLYGLOT_MARKER + b"</body></html>"


def bmp_bytes(width: int = 16, height: int = 16) -> bytes:
    """A valid BMP image: a real image, in a format that is not accepted."""
    return _encode(_pattern(width, height), "BMP")


def tiff_bytes(width: int = 16, height: int = 16) -> bytes:
    """A valid TIFF image: a real image, in a format that is not accepted."""
    return _encode(_pattern(width, height), "TIFF")


def truncated_jpeg_bytes() -> bytes:
    """A JPEG cut off halfway through its image data (valid header, missing pixels)."""
    rng = random.Random(1)
    noise = Image.frombytes("RGB", (64, 64), rng.randbytes(64 * 64 * 3))
    data = _encode(noise, "JPEG", quality=90)
    return data[: len(data) // 2]


def truncated_png_bytes() -> bytes:
    """A PNG of noise cut off halfway through its image data."""
    rng = random.Random(2)
    noise = Image.frombytes("RGB", (64, 64), rng.randbytes(64 * 64 * 3))
    data = _encode(noise, "PNG")
    return data[: len(data) // 2]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png_header_bytes(width: int = 20000, height: int = 20000) -> bytes:
    """A PNG whose IHDR claims ``width`` x ``height`` pixels (20000² = 400 million, 1.2 GB
    as RGB) with only a few bytes of data: a decompression bomb's header, cheap to make.
    The IHDR's CRC is correct, so only the size gives it away."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def png_bomb_bytes(side: int = 20000) -> bytes:
    """A whole, valid PNG of ``side`` x ``side`` black pixels at one bit each: 20000² is 400
    million pixels (400 MB once Pillow decodes it) in about 50 KB of real, complete image
    data. Unlike ``huge_png_header_bytes``, a decoder would have to go all the way."""
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    rows = (b"\0" * (1 + (side + 7) // 8)) * 1000  # filter byte 0, then the row's bits
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(rows) for _ in range(side // 1000))
    idat += compressor.compress(rows[: (side % 1000) * (1 + (side + 7) // 8)])
    idat += compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def png_text_bomb_bytes(megabytes: int = 64) -> bytes:
    """A small valid PNG with a zTXt chunk that inflates to ``megabytes`` MB of zeros
    (about 60 KB of it on the wire): a bomb in the metadata rather than in the pixels."""
    compressor = zlib.compressobj(9)
    block = b"\0" * (1024 * 1024)
    text = b"".join(compressor.compress(block) for _ in range(megabytes)) + compressor.flush()
    data = png_bytes(16, 16)
    after_ihdr = 8 + 25
    return data[:after_ihdr] + _png_chunk(b"zTXt", b"Comment\0\0" + text) + data[after_ihdr:]


def huge_jpeg_header_bytes(
    width: int = 10000, height: int = 10000, *, junk_before_frame: bool = False
) -> bytes:
    """A small JPEG whose start-of-frame segment is patched to claim ``width`` x ``height``
    pixels (10000² is past Pillow's decompression-bomb warning, short of its error).

    ``junk_before_frame`` puts stray bytes and fill bytes before that segment, which decoders
    skip (and a naive header reader does not).
    """
    data = bytearray(jpeg_bytes(16, 16))
    position = 2
    while data[position + 1] != 0xC0:  # walk the segments to the baseline start of frame
        position += 2 + struct.unpack(">H", data[position + 2 : position + 4])[0]
    data[position + 5 : position + 9] = struct.pack(">HH", height, width)
    if junk_before_frame:
        data[position:position] = b"junk\xff\xff\xff\x00"
    return bytes(data)


_ONE_PIXEL_LZW = b"\x02\x02\x44\x01\x00"  # min code size 2; clear, index 0, end; terminator


def handmade_gif_bytes(canvas: tuple[int, int], frames: list[tuple[int, int, int, int]]) -> bytes:
    """A GIF written by hand: a 2-colour palette and one image descriptor per frame
    (left, top, width, height), each followed by the data of a single pixel."""
    data = b"GIF89a" + struct.pack("<HHBBB", *canvas, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    for left, top, width, height in frames:
        data += b"," + struct.pack("<4HB", left, top, width, height, 0) + _ONE_PIXEL_LZW
    return data + b";"


def gif_frame_beyond_canvas_bytes(side: int = 5000) -> bytes:
    """A GIF declaring a 16x16 canvas whose second frame is ``side`` x ``side`` pixels:
    Pillow would grow the canvas to fit it when it reaches that frame."""
    return handmade_gif_bytes((16, 16), [(0, 0, 1, 1), (0, 0, side, side)])


def gif_canvas_bomb_bytes(frames: int = 12, side: int = 4096) -> bytes:
    """A GIF declaring a 1x1 screen whose first frame is 1x1 and whose ``frames - 1`` others
    are whole ``side`` x ``side`` images (each ~13 KB of LZW data on the wire): every frame is
    within the size limit, but Pillow grows the canvas to ``side`` x ``side`` at the second
    frame and decodes every later frame at that size (12 frames: ~1 GB decoded at once)."""
    solid = Image.new("P", (side, side))
    solid.putpalette([0, 0, 0, 255, 255, 255])
    whole = _encode(solid, "GIF")  # header, colour table, one image, trailer
    table_end = 13 + (3 << ((whole[10] & 7) + 1))
    assert whole[table_end : table_end + 1] == b","
    assert whole.endswith(b";")
    screen = whole[:6] + struct.pack("<HH", 1, 1) + whole[10:table_end]
    first = b"," + struct.pack("<4HB", 0, 0, 1, 1, 0) + _ONE_PIXEL_LZW
    return screen + first + whole[table_end:-1] * (frames - 1) + b";"


def gif_with_many_frames_bytes(frames: int = 101) -> bytes:
    """A GIF of ``frames`` one-pixel frames (more than an animation may have)."""
    return handmade_gif_bytes((1, 1), [(0, 0, 1, 1)] * frames)


def webp_huge_canvas_bytes(
    width: int = 10000, height: int = 10000, *, animated: bool = False
) -> bytes:
    """A small WebP whose extended header (VP8X) is patched to claim a ``width`` x ``height``
    canvas. ``animated``: two 16x16 frames, which an animation's canvas may well exceed, so
    the file is otherwise valid (and a decoder would allocate the whole canvas)."""
    if animated:
        frames = animation_frames(2, 16, 16)
        image = _encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], loop=0)
    else:
        image = _encode(_pattern(16, 16, "RGBA"), "WEBP", exif=exif_with_gps())
    data = bytearray(image)
    assert data[12:16] == b"VP8X"
    data[24:27] = (width - 1).to_bytes(3, "little")
    data[27:30] = (height - 1).to_bytes(3, "little")
    return bytes(data)


def random_bytes(size: int = 4096) -> bytes:
    """``size`` bytes of (seeded) noise."""
    return random.Random(7).randbytes(size)


# --- Polyglots ---


def gif_html_polyglot_bytes() -> bytes:
    """A valid GIF with an HTML page (carrying ``POLYGLOT_MARKER``) appended after its end."""
    return gif_bytes(16, 16) + html_bytes()


def png_script_polyglot_bytes() -> bytes:
    """A valid PNG carrying ``POLYGLOT_MARKER`` both in a tEXt chunk and after IEND."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", POLYGLOT_MARKER.decode())
    return _encode(_pattern(16, 16), "PNG", pnginfo=info) + html_bytes()


def jpeg_zip_polyglot_bytes() -> bytes:
    """A valid JPEG followed by a ZIP archive (holding an HTML page with
    ``POLYGLOT_MARKER``): it opens as an image and as an archive."""
    return jpeg_bytes(16, 16) + zip_bytes()


def zip_bytes() -> bytes:
    """A ZIP archive holding an HTML page that carries ``POLYGLOT_MARKER``."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zipped:
        zipped.writestr("index.html", html_bytes())
    return archive.getvalue()


def png_zip_polyglot_bytes() -> bytes:
    """A valid PNG (no text chunk) with a ZIP archive appended after its IEND chunk."""
    return png_bytes(16, 16) + zip_bytes()


def png_html_polyglot_bytes() -> bytes:
    """A valid PNG (no text chunk) with an HTML page appended after its IEND chunk."""
    return png_bytes(16, 16) + html_bytes()


def gif_header_script_bytes() -> bytes:
    """A GIF89a signature and a plausible 1x1 screen descriptor, then a script and no image:
    a browser sniffing the start sees a GIF, one reading it as HTML runs the script."""
    return b"GIF89a\x01\x00\x01\x00\x00\x00\x00" + html_bytes()


def gif_javascript_polyglot_bytes() -> bytes:
    """The classic GIF/JavaScript polyglot: ``GIF89a/*...*/=...;`` is also a valid script
    (the signature becomes a variable, the binary header a comment)."""
    return b"GIF89a/*\x00\x00\x00\x00*/=1;alert(document.cookie);//;" + POLYGLOT_MARKER


def png_signature_html_bytes() -> bytes:
    """A PNG signature followed by an HTML page and no chunks at all."""
    return b"\x89PNG\r\n\x1a\n" + html_bytes()


def jpeg_signature_html_bytes() -> bytes:
    """A JPEG start-of-image and APP0 marker followed by an HTML page."""
    return b"\xff\xd8\xff\xe0" + html_bytes()


def png_cut_after_header_bytes() -> bytes:
    """A PNG that stops right after its IHDR chunk: a size, and no pixels at all."""
    data = png_bytes(16, 16)
    return data[: 8 + 25]


def jpeg_cut_before_scan_bytes() -> bytes:
    """A JPEG that stops right before its image data: every table, and no pixels."""
    data = jpeg_bytes(16, 16)
    return data[: data.index(b"\xff\xda")]
