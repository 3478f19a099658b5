"""Intake: every format, mode and orientation comes out upright in 8-bit sRGB;
bad, huge and tiny files are refused with a message in Korean and English."""

from __future__ import annotations

import io
import logging
import re
import struct
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import skimage.data
from PIL import Image, ImageCms, ImageDraw

from lite_app.errors import PhotoRejected
from lite_app.intake import MAX_BYTES, MAX_PIXELS, MIN_SIDE, load_photo

RED = (255, 0, 0)
GREEN = (0, 255, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)


# ---------------------------------------------------------------- helpers


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def blocks(size: tuple[int, int] = (200, 150)) -> Image.Image:
    """White, with a red block top-left and a green block top-right."""
    width, height = size
    image = Image.new("RGB", size, WHITE)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width // 5, height // 5), fill=RED)
    draw.rectangle((width - width // 5, 0, width - 1, height // 5), fill=GREEN)
    draw.rectangle((0, height - height // 5, width // 5, height - 1), fill=BLUE)
    return image


def close_to(pixel: tuple[int, ...], expected: tuple[int, ...], tolerance: int) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def mean_difference(first: Image.Image, second: Image.Image) -> float:
    a = np.asarray(first, dtype=np.float64)
    b = np.asarray(second, dtype=np.float64)
    return float(np.abs(a - b).mean())


def png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body)
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def raw_png(
    width: int, height: int, bit_depth: int, colour_type: int, pixels: bytes
) -> bytes:
    """A PNG written by hand; ``pixels`` are the filtered rows ready to compress."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(pixels))
        + png_chunk(b"IEND", b"")
    )


def without_jpeg_segment(data: bytes, marker: int) -> bytes:
    """The JPEG with every segment of one marker (e.g. Adobe's APP14) removed."""
    out, position = bytearray(data[:2]), 2
    while True:
        current = data[position + 1]
        length = struct.unpack(">H", data[position + 2 : position + 4])[0]
        segment = data[position : position + 2 + length]
        if current == 0xDA:  # start of scan: the rest is image data
            return bytes(out + data[position:])
        if current != marker:
            out += segment
        position += 2 + length


def s15_fixed16(*values: float) -> bytes:
    return b"".join(struct.pack(">i", round(value * 65536)) for value in values)


def rgb_profile(description: str, red: tuple, green: tuple, blue: tuple) -> bytes:
    """A minimal ICC v2 display profile: three primaries (D50 XYZ), gamma 2.2."""
    text = description.encode("ascii") + b"\0"
    desc = (
        b"desc\0\0\0\0"
        + struct.pack(">I", len(text))
        + text
        + b"\0" * 8  # no Unicode description
        + b"\0" * 70  # no ScriptCode description
    )
    desc += b"\0" * (-len(desc) % 4)
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    tags = [
        (b"desc", desc),
        (b"wtpt", b"XYZ \0\0\0\0" + s15_fixed16(0.9642, 1.0, 0.8249)),
        (b"rXYZ", b"XYZ \0\0\0\0" + s15_fixed16(*red)),
        (b"gXYZ", b"XYZ \0\0\0\0" + s15_fixed16(*green)),
        (b"bXYZ", b"XYZ \0\0\0\0" + s15_fixed16(*blue)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = struct.pack(">I", len(tags)), b""
    for signature, data in tags:
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"\0\0\0\0"
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)
        + s15_fixed16(0.9642, 1.0, 0.8249)
        + b"\0" * 4
    )
    header += b"\0" * (128 - len(header))
    return header + table + body


# sRGB primaries adapted to D50, as an sRGB ICC profile states them.
SRGB_RED = (0.4361, 0.2225, 0.0139)
SRGB_GREEN = (0.3851, 0.7169, 0.0971)
SRGB_BLUE = (0.1431, 0.0606, 0.7141)


# ---------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("fmt", "params", "tolerance"),
    [
        pytest.param("JPEG", {"quality": 95}, 8, id="jpeg"),
        pytest.param("PNG", {}, 0, id="png"),
        pytest.param("WEBP", {"lossless": True}, 0, id="webp"),
        pytest.param("BMP", {}, 0, id="bmp"),
        pytest.param("GIF", {}, 0, id="gif"),
        pytest.param("TIFF", {}, 0, id="tiff"),
    ],
)
def test_each_format_round_trips(fmt: str, params: dict, tolerance: int) -> None:
    original = blocks()
    photo = load_photo(encode(original, fmt, **params))

    assert photo.source_format == fmt
    assert photo.image.mode == "RGB"
    assert photo.image.size == photo.original_size == (200, 150)
    assert photo.has_alpha is False
    assert close_to(photo.image.getpixel((10, 10)), RED, tolerance)
    assert close_to(photo.image.getpixel((190, 10)), GREEN, tolerance)
    assert close_to(photo.image.getpixel((100, 75)), WHITE, tolerance)
    assert mean_difference(photo.image, original) <= max(tolerance / 4, 0.0)


def test_mpo_takes_its_first_picture() -> None:
    first, second = blocks(), Image.new("RGB", (200, 150), BLUE)
    data = encode(first, "MPO", save_all=True, append_images=[second], quality=95)

    photo = load_photo(data)

    assert photo.source_format == "MPO"
    assert photo.image.size == (200, 150)
    assert close_to(photo.image.getpixel((10, 10)), RED, 8)
    assert close_to(photo.image.getpixel((100, 75)), WHITE, 8)


def test_animated_gif_takes_its_first_frame() -> None:
    frames = [Image.new("RGB", (120, 90), colour) for colour in (RED, GREEN, BLUE)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(data)).n_frames == 3

    photo = load_photo(data)

    assert photo.image.mode == "RGB"
    assert photo.image.getpixel((60, 45)) == RED


@pytest.mark.parametrize("name", ["chelsea", "coffee"])
def test_real_photo_as_jpeg_decodes_faithfully(name: str) -> None:
    original = Image.fromarray(getattr(skimage.data, name)())
    photo = load_photo(encode(original, "JPEG", quality=95))

    assert photo.image.mode == "RGB"
    assert photo.image.size == original.size
    assert photo.original_size == original.size
    assert mean_difference(photo.image, original) < 3.0


@pytest.mark.parametrize("kind", ["path", "str", "file", "bytearray"])
def test_every_kind_of_source_is_read(kind: str, tmp_path: Path) -> None:
    data = encode(blocks(), "PNG")
    file = tmp_path / "photo.png"
    file.write_bytes(data)
    source = {
        "path": file,
        "str": str(file),
        "file": io.BytesIO(data),
        "bytearray": bytearray(data),
    }[kind]

    photo = load_photo(source)

    assert photo.image.getpixel((10, 10)) == RED
    assert photo.source_format == "PNG"


# ---------------------------------------------------------------- orientation

# How each EXIF orientation stores an upright picture; a viewer undoes it.
STORED_AS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,  # mirrored
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,  # mirrored along the main diagonal
    6: Image.Transpose.ROTATE_90,  # stored turned left; shown turned right
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,  # stored turned right; shown turned left
}


def stored_with_orientation(
    upright: Image.Image, orientation: int, fmt: str = "JPEG"
) -> bytes:
    method = STORED_AS[orientation]
    stored = upright if method is None else upright.transpose(method)
    exif = Image.Exif()
    exif[0x0112] = orientation
    params = {"quality": 95} if fmt in ("JPEG", "WEBP") else {}
    return encode(stored, fmt, exif=exif, **params)


def assert_upright_blocks(image: Image.Image, tolerance: int) -> None:
    assert image.size == (200, 150)
    assert close_to(image.getpixel((15, 12)), RED, tolerance)
    assert close_to(image.getpixel((185, 12)), GREEN, tolerance)
    assert close_to(image.getpixel((15, 138)), BLUE, tolerance)
    assert close_to(image.getpixel((185, 138)), WHITE, tolerance)


@pytest.mark.parametrize("orientation", range(1, 9), ids=lambda o: f"orientation-{o}")
def test_exif_orientation_gives_upright_photo(orientation: int) -> None:
    photo = load_photo(stored_with_orientation(blocks(), orientation))

    assert_upright_blocks(photo.image, tolerance=10)
    assert photo.original_size == (200, 150)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "TIFF"])
def test_orientation_is_read_from_every_format_that_carries_exif(fmt: str) -> None:
    # Pillow turns TIFFs upright itself while decoding; the outcome must match.
    photo = load_photo(stored_with_orientation(blocks(), 6, fmt))

    assert photo.source_format == fmt
    assert_upright_blocks(photo.image, tolerance=10)


# ---------------------------------------------------------------- colour modes


def test_cmyk_jpeg_becomes_rgb() -> None:
    cmyk = Image.new("CMYK", (120, 90), (0, 255, 255, 0))  # red ink
    photo = load_photo(encode(cmyk, "JPEG", quality=95))

    assert photo.image.mode == "RGB"
    assert close_to(photo.image.getpixel((60, 45)), RED, 4)


def test_cmyk_tiff_becomes_rgb() -> None:
    cmyk = Image.new("CMYK", (120, 90), (255, 0, 255, 0))  # green ink
    cmyk.paste((0, 0, 0, 0), (0, 0, 60, 90))  # left half: no ink, paper white

    photo = load_photo(encode(cmyk, "TIFF"))

    assert photo.image.getpixel((30, 45)) == WHITE
    assert photo.image.getpixel((90, 45)) == GREEN


def test_cmyk_jpeg_without_adobe_marker_is_not_inverted() -> None:
    # Pillow writes CMYK inverted under an Adobe marker; saving inverted ink and
    # dropping the marker leaves plain red ink (0, 255, 255, 0) in the file.
    inverted_red = Image.new("CMYK", (120, 90), (255, 0, 0, 255))
    data = without_jpeg_segment(encode(inverted_red, "JPEG", quality=95), 0xEE)
    assert "adobe" not in Image.open(io.BytesIO(data)).info

    photo = load_photo(data)

    assert close_to(photo.image.getpixel((60, 45)), RED, 4)


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_sixteen_bit_gray_is_scaled_not_clipped(fmt: str) -> None:
    values = np.zeros((90, 120), dtype=np.uint16)
    values[:, 40:80] = 32768
    values[:, 80:] = 65535
    image = Image.fromarray(values)
    assert image.mode == "I;16"

    photo = load_photo(encode(image, fmt))

    assert photo.image.mode == "RGB"
    assert photo.image.getpixel((20, 45)) == (0, 0, 0)
    assert photo.image.getpixel((60, 45)) == (128, 128, 128)
    assert photo.image.getpixel((100, 45)) == WHITE


def test_sixteen_bit_gray_png_keeps_its_transparent_value() -> None:
    values = np.full((90, 120), 40000, dtype=np.uint16)
    values[:, :60] = 1234
    image = Image.fromarray(values)

    photo = load_photo(encode(image, "PNG", transparency=1234))

    assert photo.has_alpha
    assert photo.image.getpixel((30, 45))[3] == 0
    assert photo.image.getpixel((90, 45)) == (156, 156, 156, 255)  # 40000/257


def test_sixteen_bit_rgb_png_is_scaled() -> None:
    row = struct.pack(">HHH", 65535, 32768, 0) * 80
    data = raw_png(80, 70, 16, 2, (b"\0" + row) * 70)

    photo = load_photo(data)

    assert photo.image.mode == "RGB"
    assert photo.image.getpixel((40, 35)) == (255, 128, 0)


@pytest.mark.parametrize(
    ("mode", "values", "expected"),
    [
        pytest.param("I", (0, 32896, 65535), (0, 128, 255), id="int-16-bit-range"),
        pytest.param("I", (0, 128, 255), (0, 128, 255), id="int-8-bit-range"),
        pytest.param("F", (0.0, 0.5, 1.0), (0, 128, 255), id="float-fractions"),
        pytest.param("F", (-1.0, 0.0, 1.0), (0, 128, 255), id="float-stretched"),
    ],
)
def test_wide_gray_tiff_is_scaled(mode: str, values: tuple, expected: tuple) -> None:
    dtype = np.int32 if mode == "I" else np.float32
    array = np.zeros((90, 120), dtype=dtype)
    for column, value in enumerate(values):
        array[:, column * 40 : (column + 1) * 40] = value
    image = Image.fromarray(array)
    assert image.mode == mode

    photo = load_photo(encode(image, "TIFF"))

    for column, value in enumerate(expected):
        assert photo.image.getpixel((column * 40 + 20, 45)) == (value,) * 3


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_palette_transparency_becomes_alpha(fmt: str) -> None:
    image = Image.new("P", (120, 90), 1)
    image.putpalette([0, 0, 0, *RED, *BLUE] + [0] * 759)
    image.paste(0, (0, 0, 60, 90))  # left half: the transparent index
    image.paste(2, (60, 60, 120, 90))

    photo = load_photo(encode(image, fmt, transparency=0))

    assert photo.has_alpha
    assert photo.image.mode == "RGBA"
    assert photo.image.getpixel((30, 45))[3] == 0
    assert photo.image.getpixel((90, 30)) == (*RED, 255)
    assert photo.image.getpixel((90, 75)) == (*BLUE, 255)


def test_palette_without_transparency_becomes_rgb() -> None:
    image = blocks().convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    photo = load_photo(encode(image, "PNG"))

    assert photo.image.mode == "RGB"
    assert not photo.has_alpha
    assert photo.image.getpixel((10, 10)) == RED


def test_gray_with_alpha_becomes_rgba() -> None:
    gray = Image.new("L", (120, 90), 90)
    alpha = Image.linear_gradient("L").resize((120, 90))
    image = Image.merge("LA", (gray, alpha))

    photo = load_photo(encode(image, "PNG"))

    assert photo.has_alpha
    assert photo.image.mode == "RGBA"
    assert photo.image.getpixel((60, 80)) == (90, 90, 90, alpha.getpixel((60, 80)))
    assert photo.image.getpixel((60, 2))[3] < 10


@pytest.mark.parametrize("fmt", ["PNG", "BMP", "TIFF"])
def test_gray_and_one_bit_become_rgb(fmt: str) -> None:
    gray = Image.new("L", (120, 90), 77)
    one_bit = Image.new("1", (120, 90), 0)
    one_bit.paste(1, (60, 0, 120, 90))

    gray_photo = load_photo(encode(gray, fmt))
    one_bit_photo = load_photo(encode(one_bit, fmt))

    assert gray_photo.image.mode == "RGB"
    assert gray_photo.image.getpixel((60, 45)) == (77, 77, 77)
    assert one_bit_photo.image.mode == "RGB"
    assert one_bit_photo.image.getpixel((30, 45)) == (0, 0, 0)
    assert one_bit_photo.image.getpixel((90, 45)) == WHITE


def test_gray_png_with_transparent_value_becomes_rgba() -> None:
    image = Image.new("L", (120, 90), 200)
    image.paste(0, (0, 0, 60, 90))

    photo = load_photo(encode(image, "PNG", transparency=0))

    assert photo.has_alpha
    assert photo.image.getpixel((30, 45))[3] == 0
    assert photo.image.getpixel((90, 45)) == (200, 200, 200, 255)


def test_transparent_png_sets_has_alpha() -> None:
    image = Image.new("RGBA", (120, 90), (*RED, 0))
    image.paste((*BLUE, 255), (30, 20, 90, 70))

    photo = load_photo(encode(image, "PNG"))

    assert photo.has_alpha
    assert photo.image.mode == "RGBA"
    assert photo.image.getpixel((60, 45)) == (*BLUE, 255)
    assert photo.image.getpixel((5, 5))[3] == 0


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "TIFF"])
def test_fully_opaque_alpha_gives_rgb(fmt: str) -> None:
    image = blocks().convert("RGBA")
    params = {"lossless": True} if fmt == "WEBP" else {}

    photo = load_photo(encode(image, fmt, **params))

    assert photo.image.mode == "RGB"
    assert photo.has_alpha is False
    assert photo.image.getpixel((10, 10)) == RED


# ---------------------------------------------------------------- colour profiles


def test_non_srgb_profile_is_converted_to_srgb() -> None:
    # A profile whose red primary is sRGB's blue: a file's pure red is sRGB blue.
    swapped = rgb_profile("Swapped primaries", SRGB_BLUE, SRGB_GREEN, SRGB_RED)
    image = Image.new("RGB", (120, 90), RED)

    photo = load_photo(encode(image, "PNG", icc_profile=swapped))

    red, green, blue = photo.image.getpixel((60, 45))
    assert blue > 235 and red < 20 and green < 20
    assert "icc_profile" not in photo.image.info


def test_non_srgb_profile_keeps_alpha() -> None:
    swapped = rgb_profile("Swapped primaries", SRGB_BLUE, SRGB_GREEN, SRGB_RED)
    image = Image.new("RGBA", (120, 90), (*RED, 255))
    image.paste((*RED, 0), (0, 0, 60, 90))

    photo = load_photo(encode(image, "PNG", icc_profile=swapped))

    assert photo.has_alpha
    assert photo.image.getpixel((30, 45))[3] == 0
    assert photo.image.getpixel((90, 45))[2:] == (255, 255)


def test_srgb_profile_leaves_pixels_alone() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = Image.fromarray(skimage.data.coffee()).resize((150, 100))

    photo = load_photo(encode(original, "PNG", icc_profile=srgb))

    assert mean_difference(photo.image, original) == 0.0


def test_broken_profile_keeps_pixels_and_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    original = blocks()
    with caplog.at_level(logging.WARNING, logger="lite_app.intake"):
        photo = load_photo(encode(original, "PNG", icc_profile=b"not a profile"))

    assert mean_difference(photo.image, original) == 0.0
    assert "profile" in caplog.text


# ---------------------------------------------------------------- refusals


def noise_image(size: tuple[int, int] = (300, 200)) -> Image.Image:
    rng = np.random.default_rng(7)
    return Image.fromarray(rng.integers(0, 256, (*size[::-1], 3), dtype=np.uint8))


def truncated(fmt: str) -> bytes:
    data = encode(noise_image(), fmt)
    return data[: len(data) // 2]


def header_only_png(width: int, height: int) -> bytes:
    """A valid PNG header claiming a size, with almost no image data behind it."""
    return raw_png(width, height, 8, 2, b"")


NOT_A_PHOTO = ("사진 파일이 아닙니다", "not a photo")
DAMAGED = ("손상되었거나", "damaged or incomplete")
TOO_MANY_PIXELS = ("4000만 화소 이하", "40 megapixels or less")
TOO_SMALL = ("64픽셀 이상", "at least 64 pixels")

REFUSALS = [
    pytest.param(
        lambda: np.random.default_rng(3).bytes(5000), *NOT_A_PHOTO, id="random-bytes"
    ),
    pytest.param(
        lambda: "이것은 사진이 아닙니다. This is a note.\n".encode() * 40,
        *NOT_A_PHOTO,
        id="text-file",
    ),
    pytest.param(
        lambda: encode(blocks(), "PPM"), *NOT_A_PHOTO, id="format-not-accepted"
    ),
    pytest.param(lambda: b"", "빈 파일", "empty", id="empty"),
    pytest.param(lambda: truncated("JPEG"), *DAMAGED, id="truncated-jpeg"),
    pytest.param(lambda: truncated("PNG"), *DAMAGED, id="truncated-png"),
    pytest.param(
        lambda: encode(noise_image(), "PNG")[:-200] + bytes(200),
        *DAMAGED,
        id="corrupt-png",
    ),
    pytest.param(
        lambda: header_only_png(8000, 6000), *TOO_MANY_PIXELS, id="48-megapixels"
    ),
    pytest.param(
        lambda: header_only_png(30000, 30000),
        *TOO_MANY_PIXELS,
        id="decompression-bomb",
    ),
    pytest.param(
        lambda: b"\xff\xd8\xff" + bytes(MAX_BYTES),
        "30MB 이하",
        "30 MB or less",
        id="over-30-mb",
    ),
    pytest.param(lambda: encode(blocks((50, 50)), "PNG"), *TOO_SMALL, id="50x50"),
    pytest.param(lambda: encode(blocks((300, 40)), "JPEG"), *TOO_SMALL, id="300x40"),
]


@pytest.mark.parametrize(("make_data", "korean", "english"), REFUSALS)
def test_bad_input_is_refused_in_korean_and_english(
    make_data: Callable[[], bytes], korean: str, english: str
) -> None:
    with pytest.raises(PhotoRejected, match=re.escape(english)) as refusal:
        load_photo(make_data())

    assert korean in refusal.value.message_ko
    assert english in refusal.value.user_message("en")
    assert korean in refusal.value.user_message("ko")


def test_too_many_pixels_is_refused_from_the_header_alone() -> None:
    # The file holds no pixel data: decoding it would report damage instead.
    data = header_only_png(8000, 6000)
    started = time.perf_counter()

    with pytest.raises(PhotoRejected, match="8000 x 6000 pixels, 48.0 megapixels"):
        load_photo(data)

    assert time.perf_counter() - started < 0.5
    assert 8000 * 6000 > MAX_PIXELS


def test_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    file = tmp_path / "huge.jpg"
    with file.open("wb") as handle:  # sparse: no 30 MB written to disk
        handle.truncate(MAX_BYTES + 1)

    with pytest.raises(PhotoRejected, match="30 MB or less"):
        load_photo(file)


def test_oversized_stream_is_refused() -> None:
    with pytest.raises(PhotoRejected, match="30 MB or less"):
        load_photo(io.BytesIO(bytes(MAX_BYTES + 10)))


def test_missing_file_is_refused_without_its_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "photo.jpg"

    with pytest.raises(PhotoRejected, match="could not be read") as refusal:
        load_photo(missing)

    assert str(tmp_path) not in refusal.value.user_message()
    assert refusal.value.context["path"] == str(missing)


def test_smallest_accepted_photo_is_min_side_square() -> None:
    photo = load_photo(encode(blocks((MIN_SIDE, MIN_SIDE)), "PNG"))

    assert photo.image.size == (MIN_SIDE, MIN_SIDE)


# ---------------------------------------------------------------- max_side


@pytest.fixture(scope="module")
def large_jpeg() -> bytes:
    """4000x3000: left half red, right half blue."""
    image = Image.new("RGB", (4000, 3000), BLUE)
    image.paste(RED, (0, 0, 2000, 3000))
    return encode(image, "JPEG", quality=90)


@pytest.mark.parametrize("max_side", [1000, 1500, 3999])
def test_max_side_downscales_large_jpeg(
    large_jpeg: bytes, max_side: int, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="lite_app.intake"):
        photo = load_photo(large_jpeg, max_side=max_side)

    width, height = photo.image.size
    assert max(width, height) == max_side
    assert height == round(max_side * 3 / 4)
    assert photo.original_size == (4000, 3000)
    assert close_to(photo.image.getpixel((width // 4, height // 2)), RED, 6)
    assert close_to(photo.image.getpixel((width * 3 // 4, height // 2)), BLUE, 6)
    assert "downscaled" in caplog.text


def test_max_side_follows_the_upright_shape() -> None:
    upright = blocks((3000, 4000))
    data = stored_with_orientation(upright, 6)
    assert Image.open(io.BytesIO(data)).size == (4000, 3000)

    photo = load_photo(data, max_side=1000)

    assert photo.original_size == (3000, 4000)
    assert photo.image.size == (750, 1000)
    assert close_to(photo.image.getpixel((40, 40)), RED, 10)
    assert close_to(photo.image.getpixel((710, 40)), GREEN, 10)
    assert close_to(photo.image.getpixel((40, 960)), BLUE, 10)
    assert mean_difference(photo.image, upright.resize((750, 1000))) < 2.0


def test_max_side_downscales_png_keeping_alpha() -> None:
    image = Image.new("RGBA", (1200, 600), (*RED, 0))
    image.paste((*GREEN, 255), (300, 150, 900, 450))

    photo = load_photo(encode(image, "PNG", compress_level=1), max_side=400)

    assert photo.image.size == (400, 200)
    assert photo.original_size == (1200, 600)
    assert photo.has_alpha
    assert photo.image.getpixel((200, 100)) == (*GREEN, 255)
    assert photo.image.getpixel((10, 10))[3] == 0


def test_max_side_leaves_smaller_photo_alone(caplog: pytest.LogCaptureFixture) -> None:
    original = blocks()
    with caplog.at_level(logging.INFO, logger="lite_app.intake"):
        photo = load_photo(encode(original, "PNG"), max_side=1000)

    assert photo.image.size == (200, 150)
    assert mean_difference(photo.image, original) == 0.0
    assert "downscaled" not in caplog.text


def test_max_side_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_side"):
        load_photo(encode(blocks(), "PNG"), max_side=0)
